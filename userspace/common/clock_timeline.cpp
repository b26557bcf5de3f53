#include "common/clock_timeline.h"

namespace cs {

ClockTimeline::ClockTimeline(int64_t initial_mono_to_unix_ns) {
  entries_[0] = Entry{0, initial_mono_to_unix_ns};
  count_ = 1;
}

void ClockTimeline::change(uint64_t at_mono_ns, int64_t mono_to_unix_ns) {
  Entry& last = entries_[(first_ + count_ - 1) % kMaxChanges];
  if (mono_to_unix_ns == last.offset) return;
  ++changes_;
  if (at_mono_ns <= last.from_mono_ns) {  // same instant (or out of order): the newer value wins
    last.offset = mono_to_unix_ns;
    return;
  }
  if (count_ == kMaxChanges) {
    first_ = (first_ + 1) % kMaxChanges;
    --count_;
  }
  entries_[(first_ + count_) % kMaxChanges] = Entry{at_mono_ns, mono_to_unix_ns};
  ++count_;
}

int64_t ClockTimeline::offset_at(uint64_t mono_ns) const {
  for (size_t i = count_; i-- > 0;) {
    const Entry& e = entries_[(first_ + i) % kMaxChanges];
    if (mono_ns >= e.from_mono_ns) return e.offset;
  }
  return entries_[first_].offset;  // older than every kept change
}

}  // namespace cs
