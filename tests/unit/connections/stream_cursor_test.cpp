#include "connections/stream_cursor.h"

#include <gtest/gtest.h>

namespace cs {
namespace {

TEST(StreamCursor, ContiguousSegmentsFollowEachOther) {
  StreamCursor c;
  auto a = c.place(true, 100, 10, "0123456789");
  auto b = c.place(true, 110, 5, "abcde");
  EXPECT_FALSE(a.drop);
  EXPECT_EQ(b.pos, a.pos + 10);
  EXPECT_EQ(b.gap_bytes, 0u);
  EXPECT_EQ(static_cast<uint32_t>(a.pos), 100u) << "positions stay congruent to the TCP sequence number";
}

TEST(StreamCursor, SkippedBytesAreAGap) {
  StreamCursor c;
  c.place(true, 100, 10, "0123456789");
  auto b = c.place(true, 150, 5, "abcde");
  EXPECT_EQ(b.gap_bytes, 40u);
  EXPECT_EQ(c.head(), b.pos + 5);
}

TEST(StreamCursor, OverlapIsTrimmedAndDuplicatesDropped) {
  StreamCursor c;
  c.place(true, 100, 10, "0123456789");
  auto dup = c.place(true, 100, 10, "0123456789");
  EXPECT_TRUE(dup.drop);
  auto over = c.place(true, 105, 10, "56789ABCDE");
  EXPECT_FALSE(over.drop);
  EXPECT_EQ(over.len, 5u);
  EXPECT_EQ(over.captured, "ABCDE");
}

TEST(StreamCursor, SequenceWrapsAround) {
  StreamCursor c;
  auto a = c.place(true, 0xfffffffa, 6, "012345");
  auto b = c.place(true, 0, 4, "6789");
  EXPECT_EQ(b.pos, a.pos + 6);
  EXPECT_EQ(b.gap_bytes, 0u);
  EXPECT_EQ(static_cast<uint32_t>(b.pos), 0u);
}

TEST(StreamCursor, UnknownSequenceMeansContiguousAndNoWireIdentity) {
  StreamCursor c;
  auto a = c.place(false, 0, 4, "abcd");
  auto b = c.place(true, 777, 4, "efgh");
  EXPECT_EQ(b.pos, a.pos + 4);
  EXPECT_FALSE(c.seq_valid());
}

TEST(StreamCursor, TruncatedCaptureKeepsFullLength) {
  StreamCursor c;
  auto a = c.place(true, 1, 1000, "GET");
  EXPECT_EQ(a.len, 1000u);
  EXPECT_EQ(a.captured, "GET");
  auto b = c.place(true, 1001, 3, "abc");
  EXPECT_EQ(b.gap_bytes, 0u);
}

}  // namespace
}  // namespace cs
