// The process table: pid -> comm as last seen, forgotten at exit, bounded.
#include "processes/process_table.h"

#include <gtest/gtest.h>

#include "support/event_builder.h"

namespace cs {
namespace {

cs_event_header header_of(uint32_t pid, const std::string& comm, uint64_t ts) {
  cs_event_header h{};
  test::fill_header(h, CS_EV_DATA, sizeof(cs_data_event), ts, test::Proc{pid, pid, comm, 1});
  return h;
}

TEST(ProcessTable, ServiceNameIsTheCommLastSeen) {
  ProcessTable t(16);
  EXPECT_EQ(t.service_name(10), "");
  t.seen(header_of(10, "python3", 1));
  t.seen(header_of(11, "nginx", 2));
  EXPECT_EQ(t.service_name(10), "python3");
  EXPECT_EQ(t.service_name(11), "nginx");
  t.seen(header_of(10, "gunicorn", 3));  // exec / prctl(PR_SET_NAME)
  EXPECT_EQ(t.service_name(10), "gunicorn");
  ASSERT_NE(t.find(10), nullptr);
  EXPECT_EQ(t.find(10)->last_seen_ns, 3u);
  EXPECT_EQ(t.size(), 2u);
}

TEST(ProcessTable, EmptyCommKeepsTheLastOneButRefreshesTheEntry) {
  ProcessTable t(16);
  t.seen(header_of(10, "nginx", 1));
  t.seen(header_of(10, "", 7));  // a later data event on a socket already announced: no comm
  EXPECT_EQ(t.service_name(10), "nginx");
  ASSERT_NE(t.find(10), nullptr);
  EXPECT_EQ(t.find(10)->last_seen_ns, 7u);
  t.seen(header_of(20, "", 8));  // first seen without a comm (its first event was lost)
  EXPECT_EQ(t.service_name(20), "");
  t.seen(header_of(20, "redis-server", 9));
  EXPECT_EQ(t.service_name(20), "redis-server");
}

TEST(ProcessTable, FullLengthCommWithoutTerminator) {
  ProcessTable t(16);
  cs_event_header h = header_of(5, "x", 1);
  std::memcpy(h.comm, "abcdefghijklmnop", CS_COMM_LEN);  // 16 bytes, no NUL
  t.seen(h);
  EXPECT_EQ(t.service_name(5), "abcdefghijklmnop");
}

TEST(ProcessTable, ForgottenAtExit) {
  ProcessTable t(16);
  t.seen(header_of(10, "python3", 1));
  t.seen(header_of(11, "nginx", 2));
  t.exited(10);
  EXPECT_EQ(t.service_name(10), "");
  EXPECT_EQ(t.find(10), nullptr);
  EXPECT_EQ(t.service_name(11), "nginx");
  EXPECT_EQ(t.size(), 1u);
  t.seen(header_of(10, "new", 5));  // the pid reused by another process
  EXPECT_EQ(t.service_name(10), "new");
  t.exited(12345);  // never seen: nothing happens
  EXPECT_EQ(t.size(), 2u);
}

TEST(ProcessTable, BoundedForgetsTheLeastRecentlySeen) {
  ProcessTable t(8);
  for (uint32_t pid = 1; pid <= 100; ++pid) {
    t.seen(header_of(pid, "p" + std::to_string(pid), pid));
    t.seen(header_of(1, "busy", pid));  // pid 1 stays active
    EXPECT_LE(t.size(), 8u);
  }
  EXPECT_GT(t.evicted(), 0u);
  EXPECT_EQ(t.service_name(1), "busy") << "the most recently seen process is kept";
  EXPECT_EQ(t.service_name(100), "p100");
  EXPECT_EQ(t.service_name(2), "");
}

}  // namespace
}  // namespace cs
