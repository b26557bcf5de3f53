// Clock records in capture files (record/capture_file.h): written between records, delivered to the
// handler in file order before the record that follows them, not counted as records; damaged ones are
// reported like any damaged record.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "record/capture_file.h"
#include "support/event_builder.h"
#include "unit/common/temp_dir.h"

namespace cs {
namespace {

std::vector<test::Record> three_records() {
  test::Proc p{200, 201, "curl"};
  const auto t = test::tuple(test::v4("127.0.0.1", 51000), test::v4("127.0.0.1", 8080));
  return {test::conn_open(p, 1000, 5, t, 77), test::conn_close(p, 2000, t, 77), test::proc_exit(p, 3000)};
}

std::string write(const std::string& path, bool trailer) {
  auto recs = three_records();
  CaptureWriter w;
  EXPECT_EQ(w.open(path), "");
  EXPECT_EQ(w.write_header(capture_header_now(4096, "test")), "");
  EXPECT_TRUE(w.append_clock(500, 111));
  EXPECT_TRUE(w.append(recs[0].data(), recs[0].size()));
  EXPECT_TRUE(w.append_clock(1500, -222));
  EXPECT_TRUE(w.append_clock(1600, 333));
  EXPECT_TRUE(w.append(recs[1].data(), recs[1].size()));
  EXPECT_TRUE(w.append(recs[2].data(), recs[2].size()));
  EXPECT_EQ(w.records(), 3u);
  EXPECT_EQ(w.clock_records(), 3u);
  if (trailer) EXPECT_EQ(w.finish({}), "");
  else EXPECT_EQ(w.flush(), "");
  return test::read_file(path);
}

struct Seen {
  std::vector<std::string> events;  // "clock at offset" and "record <ts>" in the order delivered
  std::string error;
  bool trailer = false;
};

Seen read_bytes(const std::string& bytes) {
  Seen seen;
  CaptureReader reader;
  std::string error;
  EXPECT_TRUE(reader.open_memory(bytes.data(), bytes.size(), error)) << error;
  reader.set_clock_handler([&](uint64_t at, int64_t off) {
    seen.events.push_back("clock " + std::to_string(at) + " " + std::to_string(off));
  });
  CaptureRecord rec;
  while (reader.next(rec)) {
    cs_event_header h;
    std::memcpy(&h, rec.data, sizeof h);
    seen.events.push_back("record " + std::to_string(h.ts_ns));
  }
  seen.error = reader.error();
  seen.trailer = reader.has_trailer();
  return seen;
}

TEST(CaptureClock, RoundTripInFileOrder) {
  test::TempDir dir;
  const auto bytes = write(dir.path("c.cscap"), true);
  const Seen seen = read_bytes(bytes);
  EXPECT_EQ(seen.error, "");
  EXPECT_TRUE(seen.trailer) << "clock records are not counted in the trailer's record count";
  EXPECT_EQ(seen.events, (std::vector<std::string>{"clock 500 111", "record 1000", "clock 1500 -222",
                                                   "clock 1600 333", "record 2000", "record 3000"}));
}

TEST(CaptureClock, WithoutHandlerClockRecordsAreSkipped) {
  test::TempDir dir;
  const auto bytes = write(dir.path("c.cscap"), false);
  CaptureReader reader;
  std::string error;
  ASSERT_TRUE(reader.open_memory(bytes.data(), bytes.size(), error)) << error;
  CaptureRecord rec;
  size_t n = 0;
  while (reader.next(rec)) ++n;
  EXPECT_EQ(reader.error(), "");
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(reader.clock_records_read(), 3u);
}

// Offset of the first clock record (the first thing after the header).
size_t first_clock_at(const std::string& bytes) {
  uint32_t header_size;
  std::memcpy(&header_size, bytes.data() + 12, 4);
  uint32_t marker;
  std::memcpy(&marker, bytes.data() + header_size, 4);
  EXPECT_EQ(marker, kCaptureClockMarker);
  return header_size;
}

TEST(CaptureClock, LongerBodyFromANewerWriterIsSkippedPastItsKnownFields) {
  test::TempDir dir;
  std::string bytes = write(dir.path("c.cscap"), false);
  const size_t at = first_clock_at(bytes);
  const uint32_t body = 24;
  std::memcpy(&bytes[at + 4], &body, 4);
  bytes.insert(at + 8 + 16, std::string(8, '\x7f'));
  const Seen seen = read_bytes(bytes);
  EXPECT_EQ(seen.error, "");
  EXPECT_EQ(seen.events.front(), "clock 500 111");
  EXPECT_EQ(seen.events.size(), 6u);
}

TEST(CaptureClock, DamagedClockRecordsAreReportedWithTheirOffset) {
  test::TempDir dir;
  const std::string good = write(dir.path("c.cscap"), false);
  const size_t at = first_clock_at(good);
  {
    std::string bytes = good;
    const uint32_t body = 8;  // shorter than the fields it must hold
    std::memcpy(&bytes[at + 4], &body, 4);
    const Seen seen = read_bytes(bytes);
    EXPECT_EQ(seen.error, "<memory>: corrupt capture at byte offset " + std::to_string(at) + ": clock record size 8 out of range");
    EXPECT_TRUE(seen.events.empty());
  }
  {
    std::string bytes = good;
    const uint32_t body = 5000;
    std::memcpy(&bytes[at + 4], &body, 4);
    EXPECT_NE(read_bytes(bytes).error.find("clock record size 5000 out of range"), std::string::npos);
  }
  {
    const std::string bytes = good.substr(0, at + 12);  // cut inside the body
    const Seen seen = read_bytes(bytes);
    EXPECT_EQ(seen.error, "<memory>: truncated capture: clock record at byte offset " + std::to_string(at) + " is cut (4 of 16 bytes)");
  }
}

}  // namespace
}  // namespace cs
