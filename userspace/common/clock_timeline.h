// The CLOCK_MONOTONIC -> Unix offset over time: what the agent adds to an event's monotonic time to give
// a span its Unix time. Events carry CLOCK_MONOTONIC (bpf_ktime_get_ns); the wall clock can be slewed
// or stepped (NTP, settimeofday) and does not stop during suspend, so the offset changes during a run.
//
// Rules:
//  - An offset holds from the monotonic time it was measured at until the next change. A change at an
//    earlier monotonic time than the latest one is taken at the latest one (changes never reorder).
//  - Bounded: the newest kMaxChanges changes are kept; a time older than all of them gets the oldest
//    kept offset. Traces live for seconds, changes come at most once a second.
//  - The same sequence of changes gives the same answers: the live agent and a replay of its capture
//    (which records every change, record/capture_file.h) convert times identically.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace cs {

class ClockTimeline {
 public:
  static constexpr size_t kMaxChanges = 64;

  explicit ClockTimeline(int64_t initial_mono_to_unix_ns = 0);

  // From `at_mono_ns` on, Unix time = monotonic time + `mono_to_unix_ns`.
  void change(uint64_t at_mono_ns, int64_t mono_to_unix_ns);
  // The offset in effect at `mono_ns`.
  int64_t offset_at(uint64_t mono_ns) const;
  int64_t current() const { return entries_[(first_ + count_ - 1) % kMaxChanges].offset; }
  uint64_t changes() const { return changes_; }  // change() calls that changed the offset

 private:
  struct Entry {
    uint64_t from_mono_ns;
    int64_t offset;
  };
  std::array<Entry, kMaxChanges> entries_{};
  size_t first_ = 0;  // oldest entry
  size_t count_ = 0;
  uint64_t changes_ = 0;
};

}  // namespace cs
