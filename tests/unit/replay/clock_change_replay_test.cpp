// Wall clock changes during a run (NTP step, settimeofday, suspend, drift re-syncs): on recorded traffic
// (tests/fixtures/flask_chain.cscap, 6 sequential four-span traces) with synthetic offset changes.
//  - A trace's spans all get the offset in effect when its root began: a step never reorders them.
//  - Traces that began after a change get the new offset.
//  - A capture records the changes (clock records): its replay gives the very same spans as the run that
//    saw the changes live.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "common/clock_timeline.h"
#include "unit/common/temp_dir.h"
#include "unit/replay/fixture_chains.h"

namespace cs {
namespace {

using replay_test::CollectingSink;
using replay_test::load_fixture;
using replay_test::RawRecord;

constexpr int64_t kSec = 1'000'000'000LL;

uint64_t ts_of(const RawRecord& r) {
  cs_event_header h;
  std::memcpy(&h, r.data(), sizeof h);
  return h.ts_ns;
}

struct Change {
  size_t before_record;  // applied just before this record (as the live agent applies it between polls)
  int64_t offset;
};

// The live agent: records in, offset changes between them, at the time of the last record seen.
std::vector<Span> run_live(const std::vector<RawRecord>& records, int64_t initial, const std::vector<Change>& changes) {
  CollectingSink sink;
  PipelineConfig config;
  config.id_seed = 42;
  config.mono_to_unix_ns = initial;
  Pipeline p(config, sink);
  size_t next = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    while (next < changes.size() && changes[next].before_record == i) {
      p.set_clock_offset(ts_of(records[i - 1]) + 1, changes[next].offset);
      ++next;
    }
    p.on_record(records[i].data(), records[i].size());
  }
  p.flush();
  return sink.spans;
}

// The recorder: the same records and changes written to a capture file.
void record(const std::string& path, const std::vector<RawRecord>& records, int64_t initial,
            const std::vector<Change>& changes) {
  CaptureWriter w;
  ASSERT_EQ(w.open(path), "");
  CaptureHeader h = capture_header_now(4096, "test");
  h.mono_to_unix_ns = initial;
  ASSERT_EQ(w.write_header(h), "");
  size_t next = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    while (next < changes.size() && changes[next].before_record == i) {
      ASSERT_TRUE(w.append_clock(ts_of(records[i - 1]) + 1, changes[next].offset));
      ++next;
    }
    ASSERT_TRUE(w.append(records[i].data(), records[i].size()));
  }
  EXPECT_EQ(w.clock_records(), changes.size());
  ASSERT_EQ(w.finish({}), "");
}

// `callscope replay`: the capture's clock records applied in file order.
std::vector<Span> replay_file(const std::string& path, uint64_t* clock_records = nullptr) {
  CaptureReader reader;
  std::string error;
  EXPECT_TRUE(reader.open(path, error)) << error;
  CollectingSink sink;
  PipelineConfig config;
  config.id_seed = 42;
  config.mono_to_unix_ns = reader.header().mono_to_unix_ns;
  Pipeline p(config, sink);
  reader.set_clock_handler([&](uint64_t at, int64_t offset) { p.set_clock_offset(at, offset); });
  CaptureRecord rec;
  while (reader.next(rec)) p.on_record(rec.data, rec.size);
  p.flush();
  EXPECT_EQ(reader.error(), "");
  EXPECT_TRUE(reader.has_trailer());
  if (clock_records) *clock_records = reader.clock_records_read();
  return sink.spans;
}

std::string describe(const Span& s) {
  return s.trace_id.hex() + " " + span_id_hex(s.span_id) + "<" + span_id_hex(s.parent_span_id) + " " + s.name +
         " " + std::to_string(s.start_unix_ns) + ".." + std::to_string(s.end_unix_ns);
}

std::vector<std::string> describe_all(const std::vector<Span>& spans) {
  std::vector<std::string> out;
  for (const auto& s : spans) out.push_back(describe(s));
  return out;
}

// Trace id -> its spans' start times (in emission order).
std::map<std::string, std::vector<int64_t>> starts_by_trace(const std::vector<Span>& spans) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& s : spans) out[s.trace_id.hex()].push_back(static_cast<int64_t>(s.start_unix_ns));
  return out;
}

class ClockChangeReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    records = load_fixture("flask_chain.cscap");
    ASSERT_GT(records.size(), 100u);
  }
  std::vector<RawRecord> records;
};

TEST_F(ClockChangeReplay, StepBackMidTraceKeepsEveryTraceInOrderAndLaterTracesShift) {
  const size_t mid = records.size() / 2;
  const int64_t step = -2 * kSec;  // clock set back 2 s in the middle of the run
  const auto base = run_live(records, 0, {});  // offset 0: Unix time == monotonic time
  const auto stepped = run_live(records, 0, {{mid, step}});
  ASSERT_EQ(base.size(), 24u);
  ASSERT_EQ(stepped.size(), base.size());
  const uint64_t at = ts_of(records[mid - 1]) + 1;

  const auto b = starts_by_trace(base), s = starts_by_trace(stepped);
  ASSERT_EQ(b.size(), 6u);
  size_t shifted = 0, unshifted = 0, straddling = 0;
  for (const auto& [trace, starts] : b) {
    ASSERT_TRUE(s.count(trace)) << trace;
    const auto& st = s.at(trace);
    ASSERT_EQ(st.size(), starts.size());
    const int64_t root = *std::min_element(starts.begin(), starts.end());
    const int64_t delta = st[0] - starts[0];
    EXPECT_TRUE(delta == 0 || delta == step) << trace << " moved by " << delta;
    for (size_t i = 0; i < starts.size(); ++i) EXPECT_EQ(st[i] - starts[i], delta) << "one offset per trace";
    if (static_cast<uint64_t>(root) >= at) {
      EXPECT_EQ(delta, step) << "a trace that began after the step has the new time";
      ++shifted;
    } else {
      EXPECT_EQ(delta, 0) << "a trace that began before the step keeps the old time";
      ++unshifted;
      const int64_t last = *std::max_element(starts.begin(), starts.end());
      if (static_cast<uint64_t>(last) >= at) ++straddling;
    }
  }
  EXPECT_GT(shifted, 0u);
  EXPECT_GT(unshifted, 0u);
  // Parents before children, server inside client: the same relations as without the step.
  for (size_t i = 0; i < base.size(); ++i) {
    for (size_t j = 0; j < base.size(); ++j) {
      if (base[j].span_id != base[i].parent_span_id || base[j].trace_id.hex() != base[i].trace_id.hex()) continue;
      EXPECT_EQ(stepped[i].start_unix_ns >= stepped[j].start_unix_ns, base[i].start_unix_ns >= base[j].start_unix_ns);
    }
  }
  (void)straddling;
}

TEST_F(ClockChangeReplay, TraceStraddlingTheStepKeepsItsOrder) {
  // Put the step inside a trace: right after the first record of its fourth span's server request.
  const auto base = run_live(records, 0, {});
  // The last trace's root start; the step comes a little after it, before the trace ends.
  std::map<std::string, std::pair<uint64_t, uint64_t>> window;  // trace -> first start, last end
  for (const auto& sp : base) {
    auto& w = window[sp.trace_id.hex()];
    if (w.first == 0 || sp.start_unix_ns < w.first) w.first = sp.start_unix_ns;
    w.second = std::max<uint64_t>(w.second, sp.end_unix_ns);
  }
  const auto& last = *std::max_element(window.begin(), window.end(),
                                       [](const auto& a, const auto& c) { return a.second.first < c.second.first; });
  size_t split = 0;
  for (size_t i = 1; i < records.size(); ++i)
    if (ts_of(records[i - 1]) > last.second.first + (last.second.second - last.second.first) / 2) {
      split = i;
      break;
    }
  ASSERT_GT(split, 0u);
  const int64_t step = -10 * kSec;
  const auto stepped = run_live(records, 0, {{split, step}});
  ASSERT_EQ(stepped.size(), base.size());
  for (size_t i = 0; i < base.size(); ++i) {
    EXPECT_EQ(stepped[i].start_unix_ns, base[i].start_unix_ns) << describe(base[i]);
    EXPECT_EQ(stepped[i].end_unix_ns, base[i].end_unix_ns) << describe(base[i]);
  }
}

TEST_F(ClockChangeReplay, ReplayOfTheCaptureGivesTheSameSpansAsTheLiveRun) {
  test::TempDir dir;
  const int64_t initial = 1'700'000'000LL * kSec;
  const std::vector<Change> changes = {
      {records.size() / 4, initial + 250'000},            // drift re-sync
      {records.size() / 2, initial - 3'600 * kSec},       // clock set back an hour
      {records.size() / 2 + 3, initial + 40 * kSec},      // resume after 40 s of suspend
      {3 * records.size() / 4, initial + 40 * kSec + 1},  // drift
  };
  const auto live = run_live(records, initial, changes);
  record(dir.path("c.cscap"), records, initial, changes);
  uint64_t clock_records = 0;
  const auto replayed = replay_file(dir.path("c.cscap"), &clock_records);
  EXPECT_EQ(clock_records, changes.size());
  EXPECT_EQ(describe_all(replayed), describe_all(live));
  // ... and the changes did change the times (else the comparison above proves nothing).
  const auto unchanged = run_live(records, initial, {});
  EXPECT_NE(describe_all(live), describe_all(unchanged));
}

TEST_F(ClockChangeReplay, CaptureWithoutClockRecordsReplaysAsBefore) {
  test::TempDir dir;
  const int64_t initial = 1'700'000'000LL * kSec;
  record(dir.path("c.cscap"), records, initial, {});
  uint64_t clock_records = 99;
  const auto replayed = replay_file(dir.path("c.cscap"), &clock_records);
  EXPECT_EQ(clock_records, 0u);
  EXPECT_EQ(describe_all(replayed), describe_all(run_live(records, initial, {})));
}

}  // namespace
}  // namespace cs
