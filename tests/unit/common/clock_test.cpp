// ClockTimeline (the monotonic -> Unix offset over time) and ClockWatch (when the live agent takes a new
// offset) on synthetic clock samples.
#include <gtest/gtest.h>

#include "common/clock_timeline.h"
#include "common/clock_watch.h"

namespace cs {
namespace {

constexpr uint64_t kSec = 1'000'000'000ULL;
constexpr int64_t kBase = 1'700'000'000'000'000'000LL;

TEST(ClockTimeline, OffsetHoldsFromItsMonotonicTimeOn) {
  ClockTimeline t(kBase);
  EXPECT_EQ(t.offset_at(0), kBase);
  EXPECT_EQ(t.offset_at(50 * kSec), kBase);
  t.change(10 * kSec, kBase + 500);
  t.change(20 * kSec, kBase - 3 * static_cast<int64_t>(kSec));
  EXPECT_EQ(t.offset_at(5 * kSec), kBase);
  EXPECT_EQ(t.offset_at(10 * kSec - 1), kBase);
  EXPECT_EQ(t.offset_at(10 * kSec), kBase + 500);
  EXPECT_EQ(t.offset_at(19 * kSec), kBase + 500);
  EXPECT_EQ(t.offset_at(20 * kSec), kBase - 3 * static_cast<int64_t>(kSec));
  EXPECT_EQ(t.current(), kBase - 3 * static_cast<int64_t>(kSec));
  EXPECT_EQ(t.changes(), 2u);
}

TEST(ClockTimeline, SameOffsetIsNoChangeAndEarlierChangeTakesTheLatestTime) {
  ClockTimeline t(kBase);
  t.change(10 * kSec, kBase);  // no change
  EXPECT_EQ(t.changes(), 0u);
  t.change(10 * kSec, kBase + 1);
  t.change(5 * kSec, kBase + 2);  // out of order: taken at 10 s, never before
  EXPECT_EQ(t.offset_at(7 * kSec), kBase);
  EXPECT_EQ(t.offset_at(10 * kSec), kBase + 2);
}

TEST(ClockTimeline, KeepsTheNewestChangesOnly) {
  ClockTimeline t(kBase);
  const size_t n = ClockTimeline::kMaxChanges + 10;
  for (size_t i = 1; i <= n; ++i) t.change(i * kSec, kBase + static_cast<int64_t>(i));
  EXPECT_EQ(t.offset_at(n * kSec), kBase + static_cast<int64_t>(n));
  EXPECT_EQ(t.offset_at((n - 5) * kSec + 1), kBase + static_cast<int64_t>(n - 5));
  // Older than every kept change: the oldest kept offset.
  const int64_t oldest = kBase + static_cast<int64_t>(n - ClockTimeline::kMaxChanges + 1);
  EXPECT_EQ(t.offset_at(0), oldest);
  EXPECT_EQ(t.offset_at(3 * kSec), oldest);
}

ClockSample sample(uint64_t mono, int64_t offset, int64_t boot_minus_mono = 0) {
  ClockSample s;
  s.mono_ns = mono;
  s.mono_to_unix_ns = offset;
  s.boot_minus_mono_ns = boot_minus_mono;
  return s;
}

TEST(ClockWatch, NoiseBelowTheDriftBoundChangesNothing) {
  ClockWatch w(sample(100 * kSec, kBase));
  for (uint64_t s = 1; s <= 600; ++s)
    EXPECT_FALSE(w.check(sample((100 + s) * kSec, kBase + (s % 2 ? 40'000 : -40'000)))) << s;
  EXPECT_EQ(w.offset(), kBase);
  EXPECT_EQ(w.steps() + w.drift_updates(), 0u);
}

TEST(ClockWatch, SlewIsTakenAtTheNextResync) {
  ClockWatch w(sample(0, kBase));
  // NTP slewing at 500 ppm: 0.5 ms per second, never a step.
  std::optional<ClockChange> first;
  uint64_t at = 0;
  for (uint64_t s = 1; s <= 130 && !first; ++s) {
    first = w.check(sample(s * kSec, kBase + static_cast<int64_t>(s) * 500'000));
    at = s;
  }
  ASSERT_TRUE(first);
  EXPECT_EQ(at, 60u);  // resync_every_ns
  EXPECT_EQ(first->kind, ClockChangeKind::Drift);
  EXPECT_EQ(first->at_mono_ns, 60 * kSec);
  EXPECT_EQ(first->mono_to_unix_ns, kBase + 30'000'000);
  EXPECT_EQ(first->delta_ns, 30'000'000);
  EXPECT_EQ(w.offset(), kBase + 30'000'000);
  EXPECT_EQ(w.drift_updates(), 1u);
  EXPECT_EQ(w.steps(), 0u);
}

TEST(ClockWatch, StepIsTakenAtOnce) {
  ClockWatch w(sample(0, kBase));
  EXPECT_FALSE(w.check(sample(1 * kSec, kBase)));
  auto c = w.check(sample(2 * kSec, kBase - 3'600 * static_cast<int64_t>(kSec)));  // clock set back 1 h
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ClockChangeKind::Step);
  EXPECT_EQ(c->at_mono_ns, 2 * kSec);
  EXPECT_EQ(c->delta_ns, -3'600 * static_cast<int64_t>(kSec));
  EXPECT_FALSE(w.check(sample(3 * kSec, kBase - 3'600 * static_cast<int64_t>(kSec))));
  EXPECT_EQ(w.steps(), 1u);
}

TEST(ClockWatch, StepOnTopOfAccumulatedSlewTakesTheWholeDifference) {
  ClockWatch w(sample(0, kBase));
  for (uint64_t s = 1; s <= 30; ++s) EXPECT_FALSE(w.check(sample(s * kSec, kBase + static_cast<int64_t>(s) * 500'000)));
  // 15 ms of slew not taken yet, then the clock is set forward 1 s.
  auto c = w.check(sample(31 * kSec, kBase + 15'500'000 + static_cast<int64_t>(kSec)));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ClockChangeKind::Step);
  EXPECT_EQ(c->delta_ns, 15'500'000 + static_cast<int64_t>(kSec));
  EXPECT_EQ(w.offset(), kBase + 15'500'000 + static_cast<int64_t>(kSec));
}

TEST(ClockWatch, ResumeFromSuspendIsNamed) {
  ClockWatch w(sample(0, kBase, 5 * kSec));
  // 40 s suspended: CLOCK_MONOTONIC stood still, CLOCK_REALTIME and CLOCK_BOOTTIME went on.
  auto c = w.check(sample(1 * kSec, kBase + 40 * static_cast<int64_t>(kSec), 45 * kSec));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ClockChangeKind::Suspend);
  EXPECT_EQ(c->delta_ns, 40 * static_cast<int64_t>(kSec));
  EXPECT_STREQ(clock_change_name(c->kind), "suspend");
}

TEST(ClockWatch, RealClocksGiveAConsistentSample) {
  ClockSample a = sample_clocks();
  ClockSample b = sample_clocks();
  EXPECT_GE(b.mono_ns, a.mono_ns);
  EXPECT_GT(a.mono_to_unix_ns, 0);
  EXPECT_LT(std::llabs(b.mono_to_unix_ns - a.mono_to_unix_ns), 1'000'000);  // no step between two reads
  EXPECT_GE(a.boot_minus_mono_ns, 0);
}

}  // namespace
}  // namespace cs
