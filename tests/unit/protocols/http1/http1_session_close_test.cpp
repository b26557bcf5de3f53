// Connection end: read-until-close bodies, resets mid-response, unanswered requests.
#include <gtest/gtest.h>

#include "unit/protocols/http1/http1_script.h"

namespace cs::http1 {
namespace {

using namespace test;

const std::string kGet = "GET /users?id=1 HTTP/1.1\r\nHost: api\r\n\r\n";
const std::string kOk5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

TEST(Http1Close, Http10BodyUntilClose) {
  const std::string head = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n";
  const std::vector<Step> steps = {req("GET /old HTTP/1.0\r\n\r\n"), resp(head + "part one "),
                                   resp("part two", 500), close_conn()};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  const Http1Exchange& e = r.exchanges[0];
  EXPECT_TRUE(e.has_response);
  EXPECT_EQ(e.end, Exchange::End::Complete);
  EXPECT_EQ(e.response.end_pos, kResponseBase + head.size() + 9 + 8 + 500);
  EXPECT_EQ(e.response.uncaptured_bytes, 500u);
  EXPECT_EQ(e.response.last.tid, 3u);
  EXPECT_FALSE(e.response_http.keep_alive);
  EXPECT_FALSE(e.response.truncated);
  EXPECT_FALSE(e.request_http.keep_alive);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Close, Http11WithoutLengthReadsUntilClose) {
  const std::vector<Step> steps = {req(kGet), resp("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"),
                                   close_conn()};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].end, Exchange::End::Complete);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Close, ResetMidResponse) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  const std::vector<Step> steps = {req(kGet), resp(head + std::string(50, 'x')), close_conn(true)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  const Http1Exchange& e = r.exchanges[0];
  EXPECT_TRUE(e.has_response);
  EXPECT_EQ(e.end, Exchange::End::ConnectionReset);
  EXPECT_EQ(e.end_ns, close_ts(2));
  EXPECT_TRUE(e.response.truncated);
  EXPECT_EQ(e.response.end_pos, kResponseBase + head.size() + 50);
  EXPECT_EQ(r.started_at.size(), 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Close, ResetDuringCloseDelimitedBody) {
  const std::vector<Step> steps = {req(kGet), resp("HTTP/1.0 200 OK\r\n\r\nabc"), close_conn(true)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].end, Exchange::End::ConnectionReset);
  EXPECT_TRUE(r.exchanges[0].has_response);
}

TEST(Http1Close, CloseWithUnansweredRequests) {
  const std::vector<Step> steps = {req(kGet + "GET /second HTTP/1.1\r\n\r\n"), resp(kOk5), close_conn()};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[0].end, Exchange::End::Complete);
  const Http1Exchange& e = r.exchanges[1];
  EXPECT_EQ(e.request_http.target(), "/second");
  EXPECT_FALSE(e.has_response);
  EXPECT_EQ(e.end, Exchange::End::ConnectionClosed);
  EXPECT_EQ(e.end_ns, close_ts(2));
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Close, ResetWithUnansweredRequest) {
  const std::vector<Step> steps = {req(kGet), close_conn(true)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_FALSE(r.exchanges[0].has_response);
  EXPECT_EQ(r.exchanges[0].end, Exchange::End::ConnectionReset);
}

TEST(Http1Close, RequestCutByCloseIsReportedTruncated) {
  const std::vector<Step> steps = {req("POST /p HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"), close_conn(true)};
  const Result r = run(steps);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_TRUE(r.requests[0].truncated);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_FALSE(r.exchanges[0].has_response);
  EXPECT_EQ(r.exchanges[0].end, Exchange::End::ConnectionReset);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Close, PartialRequestHeadAtCloseIsDropped) {
  const Result r = run({req("GET /never-finished HTTP/1.1\r\nHo"), close_conn()});
  EXPECT_TRUE(r.log.empty());
}

TEST(Http1Close, NothingAfterCloseOfIdleConnection) {
  const Result r = run({req(kGet), resp(kOk5), close_conn()});
  EXPECT_EQ(r.log.size(), 3u);
}

}  // namespace
}  // namespace cs::http1
