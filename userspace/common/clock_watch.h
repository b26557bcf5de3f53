// Watches the CLOCK_MONOTONIC -> Unix offset while the agent runs and says when it changed enough to use
// a new one (live agent and recorder; a replay takes the changes from the capture instead).
//
// Rules:
//  - check() is given a fresh sample (sample_clocks(), about once a second from the poll loop).
//  - Step: the offset moved by >= step_ns since the previous sample (settimeofday, an NTP step, a resume
//    from suspend: CLOCK_MONOTONIC stops during suspend, the wall clock does not). Taken at once. A step
//    that CLOCK_BOOTTIME - CLOCK_MONOTONIC moved by as well is reported as a suspend. (Between samples a
//    second apart a slew moves the offset by 0.5 ms at most, so a slew is never taken for a step.)
//  - Drift: NTP slews the wall clock by up to 500 ppm (0.5 ms per second) without stepping it. Every
//    resync_every_ns the offset is re-measured and taken if it moved by >= drift_ns.
//  - Otherwise the offset in use stays (no change for sampling noise).
#pragma once

#include <cstdint>
#include <optional>

namespace cs {

struct ClockSample {
  uint64_t mono_ns = 0;          // CLOCK_MONOTONIC when sampled
  int64_t mono_to_unix_ns = 0;   // CLOCK_REALTIME - CLOCK_MONOTONIC
  int64_t boot_minus_mono_ns = 0;  // CLOCK_BOOTTIME - CLOCK_MONOTONIC: grows by the time spent suspended
};

// Reads the three clocks; the realtime read brackets the monotonic one (the tightest of 3 tries).
ClockSample sample_clocks();

enum class ClockChangeKind : uint8_t { Drift, Step, Suspend };
const char* clock_change_name(ClockChangeKind kind);  // "drift", "step", "suspend"

struct ClockChange {
  ClockChangeKind kind = ClockChangeKind::Drift;
  uint64_t at_mono_ns = 0;
  int64_t mono_to_unix_ns = 0;  // the new offset
  int64_t delta_ns = 0;         // new - previous offset
};

struct ClockWatchSettings {
  int64_t step_ns = 20'000'000;              // 20 ms: far above 1 s of the fastest NTP slew
  int64_t drift_ns = 100'000;                // 100 us
  uint64_t resync_every_ns = 60'000'000'000; // 60 s
};

class ClockWatch {
 public:
  explicit ClockWatch(const ClockSample& start, ClockWatchSettings settings = {});

  // A new sample: the change to apply (and record), if any.
  std::optional<ClockChange> check(const ClockSample& now);

  int64_t offset() const { return offset_; }
  uint64_t steps() const { return steps_; }          // steps and suspends taken
  uint64_t drift_updates() const { return drifts_; } // drift re-syncs taken

 private:
  ClockWatchSettings settings_;
  int64_t offset_;
  int64_t last_sample_offset_;
  int64_t boot_minus_mono_;
  uint64_t last_sync_mono_;
  uint64_t steps_ = 0;
  uint64_t drifts_ = 0;
};

}  // namespace cs
