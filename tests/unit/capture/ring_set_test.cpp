// The ring buffer readers (capture/ring_reader.h, capture/ring_set.h) over rings laid out in memory as
// the kernel lays them out: records in order, busy and discarded records, wrap-around, the consumer
// position, and the time-ordered merge of several rings with its watermark.
#include "capture/ring_set.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace cs {
namespace {

constexpr uint32_t kBusy = 1u << 31;
constexpr uint32_t kDiscard = 1u << 30;

// A ring as the kernel writes it: 8-byte record headers (len | flags, page offset), records 8-aligned,
// the data area followed by its mirror (the kernel maps it twice).
class FakeRing {
 public:
  explicit FakeRing(uint64_t size) : size_(size), data_(2 * size, 0) {}

  // Reserves a record of `len` bytes (busy), returns its position.
  uint64_t reserve(uint32_t len) {
    const uint64_t pos = prod_;
    put32(pos, len | kBusy);
    put32(pos + 4, 0);
    prod_ += (len + 8 + 7) & ~7u;
    return pos;
  }
  void commit(uint64_t pos) { put32(pos, get32(pos) & ~kBusy); }
  void discard(uint64_t pos) { put32(pos, (get32(pos) & ~kBusy) | kDiscard); }
  // A whole cs_event_header record stamped ts, tagged (tid) for the tests to recognise it.
  uint64_t event(uint64_t ts, uint32_t tag, bool committed = true) {
    cs_event_header h{};
    h.type = CS_EV_DATA;
    h.size = sizeof h;
    h.ts_ns = ts;
    h.tid = tag;
    const uint64_t pos = reserve(sizeof h);
    write(pos + 8, &h, sizeof h);
    if (committed) commit(pos);
    return pos;
  }

  std::unique_ptr<RingReader> reader() {
    return std::make_unique<RingReader>(&cons_, &prod_, data_.data(), size_);
  }
  uint64_t consumer() const { return cons_; }
  uint64_t producer() const { return prod_; }

 private:
  void write(uint64_t pos, const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t at = (pos + i) & (size_ - 1);
      data_[at] = b[i];
      data_[at + size_] = b[i];
    }
  }
  void put32(uint64_t pos, uint32_t v) { write(pos, &v, sizeof v); }
  uint32_t get32(uint64_t pos) const {
    uint32_t v;
    std::memcpy(&v, &data_[pos & (size_ - 1)], sizeof v);
    return v;
  }

  uint64_t size_;
  uint64_t cons_ = 0;
  uint64_t prod_ = 0;
  std::vector<uint8_t> data_;
};

uint32_t tag_of(const void* rec) {
  cs_event_header h;
  std::memcpy(&h, rec, sizeof h);
  return h.tid;
}

// A set over the given rings, in that order.
template <class... Rings>
RingSet set_of(Rings&... rings) {
  std::vector<std::unique_ptr<RingReader>> readers;
  (readers.push_back(rings.reader()), ...);
  return RingSet(std::move(readers));
}

std::vector<uint32_t> read_tags(RingReader& r, uint64_t& reached) {
  std::vector<uint32_t> tags;
  reached = r.read(r.start(), [&](const void* rec, size_t size, uint64_t) {
    EXPECT_EQ(size, sizeof(cs_event_header));
    tags.push_back(tag_of(rec));
    return true;
  });
  return tags;
}

TEST(RingReader, ReadsCommittedRecordsInOrderAndStopsAtOneBeingWritten) {
  FakeRing ring(4096);
  ring.event(10, 1);
  ring.event(11, 2);
  const uint64_t busy = ring.event(12, 3, /*committed=*/false);
  ring.event(13, 4);  // committed, but behind a record still being written
  auto r = ring.reader();
  uint64_t reached = 0;
  EXPECT_EQ(read_tags(*r, reached), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(reached, busy);
  EXPECT_EQ(ring.consumer(), 0u) << "reading does not consume";
  ring.commit(busy);
  EXPECT_EQ(read_tags(*r, reached), (std::vector<uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(reached, ring.producer());
}

TEST(RingReader, SkipsDiscardedRecords) {
  FakeRing ring(4096);
  ring.event(10, 1);
  const uint64_t dropped = ring.event(11, 2, /*committed=*/false);
  ring.discard(dropped);
  ring.event(12, 3);
  auto r = ring.reader();
  uint64_t reached = 0;
  EXPECT_EQ(read_tags(*r, reached), (std::vector<uint32_t>{1, 3}));
}

TEST(RingReader, ConsumeGivesSpaceBackOnlyForward) {
  FakeRing ring(4096);
  ring.event(10, 1);
  const uint64_t second = ring.event(11, 2);
  auto r = ring.reader();
  r->consume(second);
  EXPECT_EQ(ring.consumer(), second);
  EXPECT_EQ(r->start(), second);
  r->consume(0);
  EXPECT_EQ(ring.consumer(), second) << "the consumer position never goes back";
  uint64_t reached = 0;
  EXPECT_EQ(read_tags(*r, reached), (std::vector<uint32_t>{2}));
  EXPECT_EQ(r->pending_bytes(), ring.producer() - second);
}

TEST(RingReader, RecordThatWrapsIsReadWhole) {
  // 256-byte ring; records of 48 + 8 = 56 bytes: the fifth one starts at 224 and runs past the end.
  FakeRing ring(256);
  auto r = ring.reader();
  for (uint32_t i = 0; i < 4; ++i) ring.event(i, i);
  uint64_t reached = 0;
  EXPECT_EQ(read_tags(*r, reached).size(), 4u);
  r->consume(reached);
  ring.event(100, 77);
  ring.event(101, 78);
  EXPECT_EQ(read_tags(*r, reached), (std::vector<uint32_t>{77, 78}));
}

struct Collected {
  std::vector<uint32_t> tags;
  std::vector<uint64_t> stamps;
};

size_t drain(RingSet& set, uint64_t watermark, Collected& out) {
  return set.drain(watermark, [&](const void* rec, size_t) {
    cs_event_header h;
    std::memcpy(&h, rec, sizeof h);
    out.tags.push_back(h.tid);
    out.stamps.push_back(h.ts_ns);
  });
}

TEST(RingSet, MergesRingsInTimeOrder) {
  FakeRing cpu0(4096), cpu1(4096), go(4096);
  cpu0.event(10, 1);
  cpu0.event(30, 3);
  cpu0.event(50, 5);
  cpu1.event(20, 2);  // a thread that moved from CPU 0 to CPU 1 and back
  cpu1.event(40, 4);
  go.event(35, 35);
  RingSet set = set_of(cpu0, cpu1, go);
  Collected out;
  EXPECT_EQ(drain(set, RingSet::kAll, out), 6u);
  EXPECT_EQ(out.tags, (std::vector<uint32_t>{1, 2, 3, 35, 4, 5}));
  EXPECT_EQ(cpu0.consumer(), cpu0.producer());
  EXPECT_EQ(cpu1.consumer(), cpu1.producer());
  EXPECT_EQ(go.consumer(), go.producer());
  EXPECT_EQ(set.late(), 0u);
}

TEST(RingSet, EqualStampsKeepRingOrderAndEachRingsOwnOrder) {
  FakeRing a(4096), b(4096);
  a.event(10, 1);
  a.event(10, 2);
  b.event(10, 3);
  a.event(9, 4);  // stamped earlier but written later in ring a (an interrupt nested in a program)
  RingSet set = set_of(a, b);
  Collected out;
  drain(set, RingSet::kAll, out);
  // Ring a's records stay in ring order (4 after 1 and 2 although stamped earlier); the tie at 10 goes to
  // ring a first; then a's head (4, stamped 9) is the earliest.
  EXPECT_EQ(out.tags, (std::vector<uint32_t>{1, 2, 4, 3}));
}

TEST(RingSet, WatermarkHoldsNewerRecordsForTheNextDrain) {
  FakeRing a(4096), b(4096);
  a.event(10, 1);
  a.event(100, 3);
  const uint64_t a_held = a.producer();
  a.event(20, 4);  // behind a held record in its ring: waits too
  b.event(15, 2);
  b.event(200, 5);
  RingSet set = set_of(a, b);
  Collected out;
  EXPECT_EQ(drain(set, 50, out), 2u);
  EXPECT_EQ(out.tags, (std::vector<uint32_t>{1, 2}));
  EXPECT_LT(a.consumer(), a_held) << "the held record's space is not given back";
  EXPECT_LT(b.consumer(), b.producer());
  out = {};
  EXPECT_EQ(drain(set, 150, out), 2u);
  EXPECT_EQ(out.tags, (std::vector<uint32_t>{3, 4}));
  EXPECT_EQ(set.late(), 1u) << "record 4 (stamped 20) came out behind the first drain's watermark (50)";
  out = {};
  EXPECT_EQ(drain(set, RingSet::kAll, out), 1u);
  EXPECT_EQ(out.tags, (std::vector<uint32_t>{5}));
  EXPECT_EQ(a.consumer(), a.producer());
  EXPECT_EQ(b.consumer(), b.producer());
}

TEST(RingSet, LateRecordIsHandedOutAndCounted) {
  FakeRing a(4096), b(4096);
  const uint64_t slow = a.event(10, 1, /*committed=*/false);  // a producer preempted before committing
  b.event(20, 2);
  RingSet set = set_of(a, b);
  Collected out;
  EXPECT_EQ(drain(set, 100, out), 1u);
  EXPECT_EQ(out.tags, (std::vector<uint32_t>{2}));
  a.commit(slow);
  out = {};
  EXPECT_EQ(drain(set, 200, out), 1u);
  EXPECT_EQ(out.tags, (std::vector<uint32_t>{1}));
  EXPECT_EQ(set.late(), 1u);
}

TEST(RingSet, LongDrainsGoInRoundsAndStayInTimeOrder) {
  // 3000 records of 48 bytes per ring: more than two rounds (RingSet::kRoundBytes) of each.
  FakeRing a(1 << 20), b(1 << 20);
  for (uint32_t i = 0; i < 3000; ++i) {
    a.event(2 * i, 2 * i);
    b.event(2 * i + 1, 2 * i + 1);
  }
  RingSet set = set_of(a, b);
  Collected out;
  EXPECT_EQ(drain(set, 4999, out), 5000u);
  for (uint32_t i = 0; i < out.tags.size(); ++i) ASSERT_EQ(out.tags[i], i);
  out = {};
  EXPECT_EQ(drain(set, RingSet::kAll, out), 1000u);
  for (uint32_t i = 0; i < out.tags.size(); ++i) ASSERT_EQ(out.tags[i], 5000 + i);
  EXPECT_EQ(a.consumer(), a.producer());
  EXPECT_EQ(b.consumer(), b.producer());
  EXPECT_EQ(set.late(), 0u);
}

TEST(RingSet, EmptyRingsDrainNothing) {
  FakeRing a(4096);
  RingSet set = set_of(a);
  Collected out;
  EXPECT_EQ(drain(set, RingSet::kAll, out), 0u);
  EXPECT_EQ(a.consumer(), 0u);
  EXPECT_EQ(set.wait(0), 0) << "a set made of readers has nothing to wait on";
}

TEST(RingSet, KernelClockIsCloseToThisProcesssMonotonicClock) {
  FakeRing a(4096);
  RingSet set = set_of(a);
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t mono = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
  const uint64_t kernel = set.kernel_now_ns();
  // No time namespace offset in a set made of readers: the same clock, read moments later.
  EXPECT_GE(kernel, mono);
  EXPECT_LT(kernel - mono, 1'000'000'000ull);
}

}  // namespace
}  // namespace cs
