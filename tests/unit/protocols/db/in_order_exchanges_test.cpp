#include "protocols/db/in_order_exchanges.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cs::db {
namespace {

struct TestExchange final : Exchange {
  std::string text;
  void describe(const ExchangeContext&, SpanFields& out) const override { out.name = text; }
};

// Records what the queue reports, in order: "req:<text>", "start:<text>", "done:<text>:<end>".
struct RecordingSink : ExchangeSink {
  std::vector<std::string> events;
  void request_complete(const Message& m, Dir) override { events.push_back("req:" + std::to_string(m.start_pos)); }
  void response_started(const Message& m, Dir, const SyscallMeta&) override {
    events.push_back("start:" + std::to_string(m.start_pos));
  }
  void exchange_complete(const Exchange& e, Dir) override {
    const auto& t = static_cast<const TestExchange&>(e);
    events.push_back("done:" + t.text + ":" + std::to_string(static_cast<int>(e.end)) +
                     (e.has_response ? ":answered" : ""));
  }
};

// Stages request number `n` (start_pos n, text "r<n>") the way a session does: every field set in place.
TestExchange& stage(InOrderExchanges<TestExchange>& q, uint64_t n) {
  TestExchange& ex = q.staged();
  Message m;
  m.start_pos = n;
  m.end_pos = n + 1;
  m.last.exit_ns = 1000 + n;
  ex.begin(m);
  ex.text = "r" + std::to_string(n);
  return ex;
}

TEST(InOrderExchanges, AnswersPairWithTheOldestRequestAcrossRingWrapAndGrowth) {
  RecordingSink sink;
  InOrderExchanges<TestExchange> q(Dir::Ingress, sink);
  uint64_t next = 0, answered = 0;
  // Pipelines of growing depth, answered in part, so the ring wraps and grows with requests pending.
  for (int depth : {1, 3, 2, 7, 5, 20, 1, 40}) {
    for (int i = 0; i < depth; ++i) {
      stage(q, next++);
      ASSERT_TRUE(q.push_staged());
    }
    while (q.size() > 2) {
      EXPECT_EQ(q.front().text, "r" + std::to_string(answered));
      q.start_front(100, SyscallMeta{});
      q.finish_front(101, SyscallMeta{});
      ++answered;
    }
  }
  q.end_all(Exchange::End::ConnectionClosed, 5);
  // Every request reported once, and completed once, in request order.
  std::vector<std::string> done;
  for (const auto& e : sink.events)
    if (e.rfind("done:", 0) == 0) done.push_back(e);
  ASSERT_EQ(done.size(), next);
  for (uint64_t i = 0; i < next; ++i) {
    const std::string want = "done:r" + std::to_string(i) + ":" +
                             (i < answered ? std::to_string(static_cast<int>(Exchange::End::Complete)) + ":answered"
                                           : std::to_string(static_cast<int>(Exchange::End::ConnectionClosed)));
    EXPECT_EQ(done[i], want) << i;
  }
  EXPECT_FALSE(q.alternating());
}

TEST(InOrderExchanges, AReusedSlotStartsWithNoResponse) {
  RecordingSink sink;
  InOrderExchanges<TestExchange> q(Dir::Ingress, sink);
  for (uint64_t n = 0; n < 10; ++n) {
    stage(q, n);
    q.push_staged();
    EXPECT_FALSE(q.front().has_response);
    EXPECT_EQ(q.front().end, Exchange::End::Complete);
    q.start_front(50, SyscallMeta{});
    q.end_front(Exchange::End::ConnectionReset, 9);  // leaves end and has_response set in the slot
  }
  EXPECT_TRUE(q.alternating());
  EXPECT_TRUE(q.empty());
}

TEST(InOrderExchanges, UnansweredRequestsCompleteWhenTheyAreTheOldest) {
  RecordingSink sink;
  InOrderExchanges<TestExchange> q(Dir::Ingress, sink);
  stage(q, 0);
  q.push_staged();
  stage(q, 1);
  EXPECT_TRUE(q.push_unanswered_staged());  // waits behind r0
  stage(q, 2);
  q.push_staged();
  EXPECT_EQ(q.size(), 3u);
  q.start_front(10, SyscallMeta{});
  q.finish_front(11, SyscallMeta{});  // r0 answered, then r1 completes by itself
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.front().text, "r2");
  std::vector<std::string> done;
  for (const auto& e : sink.events)
    if (e.rfind("done:", 0) == 0) done.push_back(e);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0], "done:r0:0:answered");
  EXPECT_EQ(done[1], "done:r1:0");
  // With nothing pending, an unanswered request completes at once and is not queued.
  q.end_all(Exchange::End::ConnectionClosed, 0);
  stage(q, 3);
  EXPECT_TRUE(q.push_unanswered_staged());
  EXPECT_TRUE(q.empty());
}

TEST(InOrderExchanges, TheOldestIsEvictedPastTheBoundAndTheRingStaysBounded) {
  RecordingSink sink;
  InOrderExchanges<TestExchange> q(Dir::Ingress, sink);
  for (uint64_t n = 0; n < kMaxPending; ++n) {
    stage(q, n);
    ASSERT_TRUE(q.push_staged());
  }
  stage(q, kMaxPending);
  EXPECT_FALSE(q.push_staged());  // r0 evicted
  EXPECT_EQ(q.size(), kMaxPending);

  EXPECT_EQ(q.front().text, "r1");
  EXPECT_EQ(sink.events.back(), "req:" + std::to_string(kMaxPending));
  bool evicted_r0 = false;
  for (const auto& e : sink.events)
    evicted_r0 |= e == "done:r0:" + std::to_string(static_cast<int>(Exchange::End::Evicted));
  EXPECT_TRUE(evicted_r0);
  // A lost request with others pending waits for them, then ends as Lost.
  stage(q, 999);
  q.push_lost_staged();
  q.end_all(Exchange::End::ConnectionClosed, 0);
  EXPECT_EQ(sink.events.back(), "done:r999:" + std::to_string(static_cast<int>(Exchange::End::Lost)));
}

// Memory: a connection that keeps the queue full (pipelining past the bound) holds kMaxPending + 1
// exchanges, not the next power of two.
TEST(InOrderExchanges, AFullQueueHoldsAtMostTheBoundPlusTheStagedSlot) {
  RecordingSink sink;
  InOrderExchanges<TestExchange> q(Dir::Ingress, sink);
  for (uint64_t n = 0; n < 3 * kMaxPending; ++n) {
    stage(q, n);
    q.push_staged();
  }
  EXPECT_EQ(q.size(), kMaxPending);
  EXPECT_EQ(q.slots(), kMaxPending + 1);
  EXPECT_EQ(q.front().text, "r" + std::to_string(2 * kMaxPending));
}

}  // namespace
}  // namespace cs::db
