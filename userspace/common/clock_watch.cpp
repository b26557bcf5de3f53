#include "common/clock_watch.h"

#include <time.h>

#include <cstdlib>

namespace cs {

namespace {
int64_t ns(const timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000'000LL + t.tv_nsec; }
}  // namespace

ClockSample sample_clocks() {
  ClockSample best;
  int64_t best_window = -1;
  for (int i = 0; i < 3; ++i) {
    timespec r1{}, m{}, b{}, r2{};
    clock_gettime(CLOCK_REALTIME, &r1);
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_gettime(CLOCK_BOOTTIME, &b);
    clock_gettime(CLOCK_REALTIME, &r2);
    const int64_t window = ns(r2) - ns(r1);
    if (best_window >= 0 && window >= best_window) continue;
    best_window = window;
    best.mono_ns = static_cast<uint64_t>(ns(m));
    best.mono_to_unix_ns = ns(r1) + window / 2 - ns(m);
    best.boot_minus_mono_ns = ns(b) - ns(m);
  }
  return best;
}

const char* clock_change_name(ClockChangeKind kind) {
  switch (kind) {
    case ClockChangeKind::Drift: return "drift";
    case ClockChangeKind::Step: return "step";
    case ClockChangeKind::Suspend: return "suspend";
  }
  return "?";
}

ClockWatch::ClockWatch(const ClockSample& start, ClockWatchSettings settings)
    : settings_(settings),
      offset_(start.mono_to_unix_ns),
      last_sample_offset_(start.mono_to_unix_ns),
      boot_minus_mono_(start.boot_minus_mono_ns),
      last_sync_mono_(start.mono_ns) {}

std::optional<ClockChange> ClockWatch::check(const ClockSample& now) {
  const int64_t delta = now.mono_to_unix_ns - offset_;
  const int64_t jump = now.mono_to_unix_ns - last_sample_offset_;
  const int64_t suspended = now.boot_minus_mono_ns - boot_minus_mono_;
  boot_minus_mono_ = now.boot_minus_mono_ns;
  last_sample_offset_ = now.mono_to_unix_ns;
  ClockChange c;
  c.at_mono_ns = now.mono_ns;
  c.mono_to_unix_ns = now.mono_to_unix_ns;
  c.delta_ns = delta;
  if (std::llabs(jump) >= settings_.step_ns) {
    c.kind = suspended >= settings_.step_ns / 2 ? ClockChangeKind::Suspend : ClockChangeKind::Step;
    ++steps_;
  } else if (now.mono_ns >= last_sync_mono_ + settings_.resync_every_ns) {
    last_sync_mono_ = now.mono_ns;
    if (std::llabs(delta) < settings_.drift_ns) return std::nullopt;
    c.kind = ClockChangeKind::Drift;
    ++drifts_;
  } else {
    return std::nullopt;
  }
  offset_ = now.mono_to_unix_ns;
  last_sync_mono_ = now.mono_ns;
  return c;
}

}  // namespace cs
