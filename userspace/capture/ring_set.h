// The kernel side's ring buffers (one per CPU, and the one the Go probes share) read as one stream of
// records in time order.
//
// Rules:
//  - Records are handed out in the order of their hdr.ts_ns (include/callscope/events.h) across rings,
//    each ring's own order kept (ties go to the lower ring). So the events of one thread stay in the
//    order they happened when the thread moved between CPUs, as with a single shared ring.
//  - A drain hands out only the records stamped at or before its watermark: the kernel's monotonic time
//    read before looking at any ring, minus kSlackNs. A record that was not visible then (still being
//    written, or reserved after the clock read) is stamped later than that: the programs stamp a record
//    right around its reservation, without sleeping. The newest kSlackNs of each ring wait for the next
//    drain; drain(kAll) hands out everything (at stop).
//  - A record found later that is stamped before an earlier drain's watermark (a producer preempted
//    between stamping and committing) is handed out at once and counted (late()): nothing is dropped.
//  - Each ring's space is given back once per drain, after its records were handed out.
//  - wait() is edge-triggered: it returns when a producer woke the reader (its batch is full) or at the
//    timeout, not while records held back by the watermark wait.
//  - No allocation per record (the per-ring lists keep their capacity).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "callscope/events.h"
#include "capture/ring_reader.h"

namespace cs {

class RingSet {
 public:
  static constexpr uint64_t kSlackNs = 1'000'000;  // 1 ms
  static constexpr uint64_t kAll = UINT64_MAX;     // drain(): no watermark
  static constexpr size_t kRoundBytes = 64 << 10;  // of each ring per merge round
  static constexpr size_t kPrefetchBytes = 320;    // of each record: the fixed part and a message head

  // Maps every ring (map fds, not taken over) and registers them for waiting. nullptr and a message on
  // failure.
  static std::unique_ptr<RingSet> open(const std::vector<int>& ring_fds, std::string& error);
  // Over readers the caller made (tests): no waiting.
  explicit RingSet(std::vector<std::unique_ptr<RingReader>> rings);
  ~RingSet();
  RingSet(const RingSet&) = delete;
  RingSet& operator=(const RingSet&) = delete;

  // Up to timeout_ms for a wake-up from any ring. > 0 woken, 0 timed out, -errno (-EINTR: a signal).
  int wait(int timeout_ms);

  // The kernel's monotonic clock now (CLOCK_MONOTONIC of the initial time namespace, bpf_ktime_get_ns).
  uint64_t kernel_now_ns() const;

  // Hands f(const void* record, size_t size) every committed record stamped at or before `watermark`
  // (kernel_now_ns() - kSlackNs for a live drain, kAll at stop), merged in time order. Returns the count.
  template <class F>
  size_t drain(uint64_t watermark, F&& f) {
    const size_t k = rings_.size();
    size_t n = 0;
    bool more = true;
    while (more) {
      // One round: up to kRoundBytes of each ring, so that a record is still in the cache when the
      // pipeline decodes it. A ring cut short bounds the round: nothing after its last collected stamp
      // goes out before the next round has looked further into it.
      more = false;
      uint64_t round_mark = watermark;
      heap_.clear();
      for (size_t i = 0; i < k; ++i) {
        auto& list = lists_[i];
        list.clear();
        size_t bytes = 0;
        uint64_t newest = 0;
        bool cut = false;
        rings_[i]->read(rings_[i]->start(), [&](const void* rec, size_t size, uint64_t end) {
          const uint64_t ts = stamp(rec, size);
          if (ts > watermark) return false;
          if (bytes >= kRoundBytes) {
            cut = true;
            return false;
          }
          list.push_back(Entry{ts, rec, size, end});
          // The pipeline reads the rest of the fixed part and the message head next: ask for them now.
          for (size_t line = 64; line < std::min<size_t>(size, kPrefetchBytes); line += 64)
            __builtin_prefetch(static_cast<const uint8_t*>(rec) + line);
          bytes += size;
          newest = std::max(newest, ts);
          return true;
        });
        if (cut) {
          more = true;
          round_mark = std::min(round_mark, newest);  // every record of the ring with the least is <= it
        }
      }
      for (size_t i = 0; i < k; ++i)
        if (!lists_[i].empty() && lists_[i][0].ts <= round_mark) heap_.push_back(Head{lists_[i][0].ts, i, 0});
      std::make_heap(heap_.begin(), heap_.end(), later);
      while (!heap_.empty()) {
        std::pop_heap(heap_.begin(), heap_.end(), later);
        Head& h = heap_.back();
        const auto& list = lists_[h.ring];
        const Entry& e = list[h.index];
        if (e.ts < handed_up_to_) ++late_;
        f(e.rec, e.size);
        ++n;
        consumed_to_[h.ring] = e.end;
        if (++h.index < list.size() && list[h.index].ts <= round_mark) {
          h.ts = list[h.index].ts;
          std::push_heap(heap_.begin(), heap_.end(), later);
        } else {
          heap_.pop_back();  // the rest of this ring waits for the next round or drain
        }
      }
      for (size_t i = 0; i < k; ++i) rings_[i]->consume(consumed_to_[i]);
      if (round_mark != kAll) handed_up_to_ = std::max(handed_up_to_, round_mark);
    }
    return n;
  }

  size_t rings() const { return rings_.size(); }
  uint64_t late() const { return late_; }  // records handed out behind an earlier drain's watermark

 private:
  struct Entry {
    uint64_t ts;
    const void* rec;
    size_t size;
    uint64_t end;  // ring position after the record
  };
  struct Head {
    uint64_t ts;
    size_t ring;
    size_t index;
  };
  // Max-heap order inverted: the earliest stamp (then the lowest ring) on top.
  static bool later(const Head& a, const Head& b) { return a.ts != b.ts ? a.ts > b.ts : a.ring > b.ring; }
  static uint64_t stamp(const void* rec, size_t size) {
    if (size < sizeof(cs_event_header)) return 0;  // not a record of ours: out at once, the decoder counts it
    uint64_t ts;
    std::memcpy(&ts, static_cast<const uint8_t*>(rec) + offsetof(cs_event_header, ts_ns), sizeof ts);
    return ts;
  }

  std::vector<std::unique_ptr<RingReader>> rings_;
  std::vector<std::vector<Entry>> lists_;
  std::vector<uint64_t> consumed_to_;  // per ring: the end of the last record handed out
  std::vector<Head> heap_;
  uint64_t handed_up_to_ = 0;
  uint64_t late_ = 0;
  int64_t clock_offset_ns_ = 0;  // this process's CLOCK_MONOTONIC minus the kernel's (time namespaces)
  int epoll_fd_ = -1;
};

}  // namespace cs
