// Session behaviour on clean streams: framing, pairing, pipelining, bodyless responses, interim responses.
// Every script is also replayed cut at every point (check_split_invariance).
#include <gtest/gtest.h>

#include "protocols/http1/http1_session.h"
#include "unit/protocols/http1/http1_script.h"

namespace cs::http1 {
namespace {

using namespace test;

const std::string kGet = "GET /users?id=1 HTTP/1.1\r\nHost: api\r\n\r\n";
const std::string kOk5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

TEST(Http1Session, SimpleGetFieldsPositionsMetas) {
  const std::vector<Step> steps = {req(kGet), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.log.size(), 3u);
  EXPECT_EQ(r.log[0].substr(0, 8), "request ");
  EXPECT_EQ(r.log[1].substr(0, 8), "started ");
  ASSERT_EQ(r.requests.size(), 1u);
  ASSERT_EQ(r.exchanges.size(), 1u);
  const Http1Exchange& e = r.exchanges[0];
  EXPECT_TRUE(e.has_response);
  EXPECT_EQ(e.end, Exchange::End::Complete);
  EXPECT_EQ(e.request_http.method(), "GET");
  EXPECT_EQ(e.request_http.target(), "/users?id=1");
  EXPECT_EQ(e.request_http.path(), "/users");
  EXPECT_EQ(e.request_http.host(), "api");
  EXPECT_EQ(e.request_http.version(), "1.1");
  EXPECT_TRUE(e.request.is_request);
  EXPECT_EQ(e.request.start_pos, kRequestBase);
  EXPECT_EQ(e.request.end_pos, kRequestBase + kGet.size());
  EXPECT_EQ(e.request.first.tid, 1u);
  EXPECT_EQ(e.request.last.tid, 1u);
  EXPECT_EQ(e.request.first.enter_ns, 1000u);
  EXPECT_FALSE(e.response.is_request);
  EXPECT_EQ(e.response_http.status, 200);
  EXPECT_EQ(e.response.start_pos, kResponseBase);
  EXPECT_EQ(e.response.end_pos, kResponseBase + kOk5.size());
  EXPECT_EQ(e.response.first.tid, 2u);
  EXPECT_EQ(e.response.last.exit_ns, 2500u);
  EXPECT_EQ(e.response.uncaptured_bytes, 0u);
  EXPECT_FALSE(e.response.truncated);
  ASSERT_EQ(r.started_at.size(), 1u);
  EXPECT_EQ(r.started_at[0].tid, 2u);
  EXPECT_EQ(r.stats.messages, 2u);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, EgressRequestDirection) {
  const Result r = run({req(kGet), resp(kOk5)}, Dir::Egress);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_NE(r.log[0].find("request out "), std::string::npos);
  EXPECT_NE(r.log[2].find("exchange out "), std::string::npos);
}

TEST(Http1Session, PostBodyAcrossSegmentsMetas) {
  const std::string head = "POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Length: 10\r\n\r\n";
  const std::vector<Step> steps = {req(head + "0123"), req("456"), req("789"), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  const Message& q = r.exchanges[0].request;
  EXPECT_EQ(r.exchanges[0].request_http.method(), "POST");
  EXPECT_EQ(q.end_pos, kRequestBase + head.size() + 10);
  EXPECT_EQ(q.first.tid, 1u);
  EXPECT_EQ(q.last.tid, 3u);  // the syscall that carried the last body byte
  EXPECT_EQ(r.started_at[0].tid, 4u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, ChunkedWithExtensionsAndTrailers) {
  const std::string request =
      "POST /up HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;name=value;q=\"x\"\r\nWiki\r\n5\r\npedia\r\nE \r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
  const std::string response =
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
      "a\r\n0123456789\r\n0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";
  const std::string next = "GET /after HTTP/1.1\r\n\r\n";
  const std::vector<Step> steps = {req(request + next), resp(response + kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[0].request.end_pos, kRequestBase + request.size());
  EXPECT_EQ(r.exchanges[0].response.end_pos, kResponseBase + response.size());
  EXPECT_FALSE(r.exchanges[0].response.truncated);
  EXPECT_EQ(r.exchanges[1].request_http.target(), "/after");
  EXPECT_EQ(r.exchanges[1].request.start_pos, kRequestBase + request.size());
  EXPECT_EQ(r.exchanges[1].response.end_pos, kResponseBase + response.size() + kOk5.size());
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, KeepAliveSequence) {
  std::vector<Step> steps;
  for (int i = 0; i < 3; ++i) {
    steps.push_back(req("GET /k" + std::to_string(i) + " HTTP/1.1\r\nHost: k\r\n\r\n"));
    steps.push_back(resp(kOk5));
  }
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.exchanges[i].request_http.target(), "/k" + std::to_string(i));
    EXPECT_EQ(r.exchanges[i].response.start_pos, kResponseBase + i * kOk5.size());
    EXPECT_EQ(r.exchanges[i].response.first.tid, static_cast<uint32_t>(2 * i + 2));
  }
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, PipeliningThreeInOneSegment) {
  const std::string a = "GET /a HTTP/1.1\r\n\r\n", b = "GET /b HTTP/1.1\r\n\r\n";
  const std::string c = "POST /c HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz";
  const std::string ra = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA";
  const std::string rb = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  const std::string rc = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nC\r\n0\r\n\r\n";
  const std::vector<Step> steps = {req(a + b + c), resp(ra + rb + rc)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 3u);
  EXPECT_EQ(r.exchanges[0].request_http.target(), "/a");
  EXPECT_EQ(r.exchanges[0].response_http.status, 200);
  EXPECT_EQ(r.exchanges[1].request_http.target(), "/b");
  EXPECT_EQ(r.exchanges[1].request.start_pos, kRequestBase + a.size());
  EXPECT_EQ(r.exchanges[1].response_http.status, 404);
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + ra.size());
  EXPECT_EQ(r.exchanges[2].request_http.target(), "/c");
  EXPECT_EQ(r.exchanges[2].request.end_pos, kRequestBase + a.size() + b.size() + c.size());
  EXPECT_EQ(r.exchanges[2].response_http.status, 201);
  EXPECT_EQ(r.exchanges[2].response.end_pos, kResponseBase + ra.size() + rb.size() + rc.size());
  // Order of calls: 3 requests, then per response started + exchange.
  ASSERT_EQ(r.log.size(), 9u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.log[i].substr(0, 8), "request ");
  EXPECT_EQ(r.log[3].substr(0, 8), "started ");
  EXPECT_EQ(r.log[4].substr(0, 9), "exchange ");
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, HeadResponseHasNoBody) {
  const std::string head_resp = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
  const std::vector<Step> steps = {req("HEAD /file HTTP/1.1\r\n\r\nGET /file HTTP/1.1\r\n\r\n"),
                                   resp(head_resp + kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[0].request_http.method(), "HEAD");
  EXPECT_EQ(r.exchanges[0].response.end_pos, kResponseBase + head_resp.size());
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + head_resp.size());
  EXPECT_EQ(r.exchanges[1].response.end_pos, kResponseBase + head_resp.size() + kOk5.size());
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, NoContentAndNotModifiedHaveNoBody) {
  const std::string r204 = "HTTP/1.1 204 No Content\r\n\r\n";
  const std::string r304 = "HTTP/1.1 304 Not Modified\r\nContent-Length: 999\r\nETag: \"x\"\r\n\r\n";
  const std::vector<Step> steps = {req("DELETE /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n"),
                                   resp(r204 + r304 + kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 3u);
  EXPECT_EQ(r.exchanges[0].response_http.status, 204);
  EXPECT_EQ(r.exchanges[0].response.end_pos, kResponseBase + r204.size());
  EXPECT_EQ(r.exchanges[1].response_http.status, 304);
  EXPECT_EQ(r.exchanges[1].response.end_pos, kResponseBase + r204.size() + r304.size());
  EXPECT_EQ(r.exchanges[2].response_http.status, 200);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, ContinueThenFinalResponse) {
  const std::string head = "POST /big HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
  const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
  const std::vector<Step> steps = {req(head), resp(cont), req("data"), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].response_http.status, 200);
  EXPECT_EQ(r.exchanges[0].response.start_pos, kResponseBase + cont.size());
  EXPECT_EQ(r.exchanges[0].request.last.tid, 3u);
  ASSERT_EQ(r.started_at.size(), 1u);
  EXPECT_EQ(r.started_at[0].tid, 4u);  // the interim response is not the start of the response
  EXPECT_EQ(r.stats.unmatched_responses, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, EarlyHintsSkipped) {
  const std::string hints = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
  const std::vector<Step> steps = {req(kGet), resp(hints + hints + kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].response_http.status, 200);
  EXPECT_EQ(r.exchanges[0].response.start_pos, kResponseBase + 2 * hints.size());
  EXPECT_EQ(r.log.size(), 3u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, ResponseStartedBeforeRequestEndsIsReportedInOrder) {
  // The server answers (413) before the request body is complete: the sink still sees
  // request_complete, then response_started, then exchange_complete.
  const std::string head = "PUT /up HTTP/1.1\r\nContent-Length: 6\r\n\r\n";
  const std::string r413 = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n";
  const std::vector<Step> steps = {req(head + "abc"), resp(r413), req("def")};
  const Result r = run(steps);
  ASSERT_EQ(r.log.size(), 3u);
  EXPECT_EQ(r.log[0].substr(0, 8), "request ");
  EXPECT_EQ(r.log[1].substr(0, 8), "started ");
  EXPECT_EQ(r.log[2].substr(0, 9), "exchange ");
  EXPECT_EQ(r.started_at[0].tid, 2u);
  EXPECT_EQ(r.exchanges[0].request.last.tid, 3u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, UnmatchedResponseCounted) {
  const std::vector<Step> steps = {resp(kOk5), req(kGet), resp(kOk5)};
  const Result r = run(steps);
  EXPECT_EQ(r.stats.unmatched_responses, 1u);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].response.start_pos, kResponseBase + kOk5.size());
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, TraceparentExtracted) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const std::vector<Step> steps = {req("GET /t HTTP/1.1\r\nHost: t\r\ntraceParent:  " + tp + " \r\n\r\n"),
                                   resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].request.traceparent, tp);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, OddCaseAndFoldedHeadersFrameCorrectly) {
  const std::string request =
      "POST /odd HTTP/1.1\r\nHOST:odd\r\ncontent-LENGTH:   3  \r\nX-Folded: a\r\n\tb\r\n\r\nabc";
  const std::string response = "HTTP/1.1 200 OK\r\nTRANSFER-encoding:  CHUNKED\r\n\r\n2\r\nok\r\n0\r\n\r\n";
  const std::vector<Step> steps = {req(request + kGet), resp(response + kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[0].request_http.host(), "odd");
  EXPECT_EQ(r.exchanges[0].request.end_pos, kRequestBase + request.size());
  EXPECT_EQ(r.exchanges[0].response.end_pos, kResponseBase + response.size());
  EXPECT_EQ(r.exchanges[1].request_http.target(), "/users?id=1");
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, Http10KeepAliveWithLength) {
  const std::vector<Step> steps = {req("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
                                   resp("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
                                   req("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
                                   resp("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_TRUE(r.exchanges[0].request_http.keep_alive);
  EXPECT_TRUE(r.exchanges[1].response_http.keep_alive);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, SwitchingProtocolsStopsParsing) {
  const std::vector<Step> steps = {
      req("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
      resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"),
      req("\x81\x85\x01\x02\x03\x04garbage"), resp("\x81\x02hi")};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].response_http.status, 101);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Session, ConnectTunnelStopsParsing) {
  const std::vector<Step> steps = {req("CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\n"),
                                   resp("HTTP/1.1 200 Connection established\r\n\r\n"),
                                   req("\x16\x03\x01 tls bytes"), resp("\x16\x03\x03 more")};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].request_http.path(), "db:5432");
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

}  // namespace
}  // namespace cs::http1

namespace cs::http1 {
namespace {

TEST(Http1Session, TooManyUnansweredRequestsEvictsOldest) {
  std::string many;
  for (size_t i = 0; i < kMaxPendingRequests + 3; ++i) many += "GET /r" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  const test::Result r = test::run({test::req(many), test::resp(kOk5)});
  ASSERT_EQ(r.exchanges.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.exchanges[i].end, Exchange::End::Evicted);
    EXPECT_FALSE(r.exchanges[i].has_response);
    EXPECT_EQ(r.exchanges[i].request_http.target(), "/r" + std::to_string(i));
  }
  EXPECT_EQ(r.exchanges[3].request_http.target(), "/r3");  // the response answers the oldest still kept
  EXPECT_TRUE(r.exchanges[3].has_response);
}

}  // namespace
}  // namespace cs::http1
