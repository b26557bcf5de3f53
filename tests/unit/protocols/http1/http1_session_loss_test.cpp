// Session behaviour when bytes are missing or wrong: uncaptured body bytes, gaps, garbage, heads too
// long, chunked framing lost. Scripts are also replayed cut at every point.
#include <gtest/gtest.h>

#include "protocols/http1/http1_head.h"
#include "unit/protocols/http1/http1_script.h"

namespace cs::http1 {
namespace {

using namespace test;

const std::string kGet = "GET /users?id=1 HTTP/1.1\r\nHost: api\r\n\r\n";
const std::string kOk5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

TEST(Http1Loss, BodyLargerThanCaptured) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n";
  const std::string captured = head + std::string(100, 'x');
  // One syscall moved the whole response, only the first bytes were copied; the next response follows.
  const std::vector<Step> steps = {req(kGet + kGet), resp(captured, 9900), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  const Message& big = r.exchanges[0].response;
  EXPECT_EQ(big.end_pos, kResponseBase + head.size() + 10000);
  EXPECT_EQ(big.uncaptured_bytes, 9900u);
  EXPECT_FALSE(big.truncated);
  EXPECT_EQ(big.last.tid, 2u);
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + head.size() + 10000);
  EXPECT_EQ(r.exchanges[1].response_http.status, 200);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, BodyUncapturedAcrossSeveralSyscalls) {
  const std::string head = "POST /u HTTP/1.1\r\nContent-Length: 3000\r\n\r\n";
  // head + 10 bytes captured of 1000 moved, then two syscalls captured only partly, the last ending exactly.
  const std::vector<Step> steps = {req(head + std::string(10, 'a'), 990), req(std::string(20, 'b'), 980),
                                   req("", 1000), req(kGet), resp(kOk5 + kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[0].request.uncaptured_bytes, 990u + 980 + 1000);
  EXPECT_EQ(r.exchanges[0].request.last.tid, 3u);
  EXPECT_EQ(r.exchanges[1].request.start_pos, kRequestBase + head.size() + 3000);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, UncapturedTailAfterMessageLosesNextStart) {
  // The segment holds a whole response and the start of the next one, which was not captured.
  const std::vector<Step> steps = {req(kGet + kGet + kGet), resp(kOk5, 50), resp(kOk5)};
  const Result r = run(steps);
  // /1 answered, /2's response lost (its start was uncaptured), /3... pairing by order gives the third
  // response to request 2: HTTP/1 has no ids, so a lost response start shifts pairing. We only check
  // that parsing resumed at the next segment.
  ASSERT_GE(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + kOk5.size() + 50);
  EXPECT_EQ(r.stats.resyncs, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, GapInsideBody) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  const std::vector<Step> steps = {req(kGet + kGet), resp(head + std::string(100, 'x')),
                                   resp(std::string(100, 'y') + kOk5, 0, /*gap=*/800)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[0].response.end_pos, kResponseBase + head.size() + 1000);
  EXPECT_EQ(r.exchanges[0].response.uncaptured_bytes, 800u);
  EXPECT_EQ(r.exchanges[0].response.last.tid, 3u);
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + head.size() + 1000);
  EXPECT_EQ(r.exchanges[1].response.end_pos, kResponseBase + head.size() + 1000 + kOk5.size());
  EXPECT_EQ(r.stats.gaps, 1u);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, GapCoveringBodyEndAndNextStart) {
  // The gap swallows the end of the body and the start of the next response: the body's end is still
  // known exactly; the stream resynchronises on the following response.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  const std::vector<Step> steps = {req(kGet + kGet + kGet), resp(head + std::string(50, 'x')),
                                   resp(kOk5, 0, /*gap=*/50 + kOk5.size())};
  const Result r = run(steps);
  ASSERT_GE(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[0].response.end_pos, kResponseBase + head.size() + 100);
  EXPECT_EQ(r.exchanges[0].response.last.tid, 2u);  // last byte was lost: the last seen syscall
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + head.size() + 100 + kOk5.size());
  EXPECT_EQ(r.stats.gaps, 1u);
  EXPECT_EQ(r.stats.resyncs, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, GapInsideHeadDropsMessage) {
  const std::string lost_head = "GET /lost HTTP/1.1\r\nHost: a\r\nX-Pad: aaaa";
  const std::vector<Step> steps = {req(lost_head), req("GET /next HTTP/1.1\r\nHost: b\r\n\r\n", 0, 40),
                                   resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0].target(), "/next");
  EXPECT_EQ(r.requests[0].start_pos, kRequestBase + lost_head.size() + 40);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].request_http.target(), "/next");
  EXPECT_EQ(r.stats.gaps, 1u);
  EXPECT_EQ(r.stats.resyncs, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, GapThenSegmentMidBodySkippedUntilNextStart) {
  const std::vector<Step> steps = {req(kGet), req("tail of some body\r\nmore body", 0, 500), req("xx"),
                                   req("GET /again HTTP/1.1\r\n\r\n"), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.requests.size(), 2u);
  EXPECT_EQ(r.requests[1].target(), "/again");
  EXPECT_EQ(r.stats.parse_errors, 0u);  // lost bytes are gaps, not parse errors
  EXPECT_EQ(r.stats.gaps, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, GarbageThenValidRequest) {
  const std::string garbage = "\x16\x03\x01 this is not http\r\nnor is this\r\n";
  const std::vector<Step> steps = {req(garbage + kGet), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].request.start_pos, kRequestBase + garbage.size());
  EXPECT_EQ(r.stats.parse_errors, 1u);
  EXPECT_EQ(r.stats.resyncs, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, GarbageResponseThenValid) {
  const std::vector<Step> steps = {req(kGet), resp("HTTP/1.1 OK\r\nbroken\r\n\r\n"), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].response_http.status, 200);
  EXPECT_EQ(r.stats.parse_errors, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, BadRequestLineInsidePipelineResyncs) {
  const std::string bad = "GET /bad\r\nHost: x\r\n\r\n";  // no version
  const std::vector<Step> steps = {req(bad + kGet), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0].start_pos, kRequestBase + bad.size());
  EXPECT_EQ(r.stats.parse_errors, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, VeryLongHeadRejected) {
  const std::string huge = "GET /huge HTTP/1.1\r\nX-Big: " + std::string(kMaxHeadBytes + 100, 'a') + "\r\n\r\n";
  const std::vector<Step> steps = {req(huge), req(kGet), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0].target(), "/users?id=1");
  EXPECT_EQ(r.requests[0].start_pos, kRequestBase + huge.size());
  EXPECT_EQ(r.stats.parse_errors, 1u);
  EXPECT_EQ(check_split_invariance(steps, 256), "");
}

TEST(Http1Loss, LongHeadAcrossSegmentsRejected) {
  std::vector<Step> steps;
  steps.push_back(req("GET /huge HTTP/1.1\r\n"));
  for (int i = 0; i < 80; ++i) steps.push_back(req("X-H" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n"));
  steps.push_back(req("\r\n"));
  steps.push_back(req(kGet));
  steps.push_back(resp(kOk5));
  const Result r = run(steps);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0].target(), "/users?id=1");
  EXPECT_EQ(r.stats.parse_errors, 1u);
  ASSERT_EQ(r.exchanges.size(), 1u);
}

TEST(Http1Loss, HeadCutByCaptureLimitKeepsStartLine) {
  // A head longer than what was captured: the request is still reported (truncated) with what the
  // complete lines say, and pairs with its response.
  const std::string partial = "GET /deep/path?x=1 HTTP/1.1\r\nHost: cut\r\nCookie: aaaaaaaa";
  const std::vector<Step> steps = {req(partial, 2000), resp(kOk5), req(kGet), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  const Message& q = r.exchanges[0].request;
  EXPECT_EQ(r.exchanges[0].request_http.path(), "/deep/path");
  EXPECT_EQ(r.exchanges[0].request_http.host(), "cut");
  EXPECT_TRUE(q.truncated);
  EXPECT_EQ(q.end_pos, kRequestBase + partial.size() + 2000);
  EXPECT_EQ(q.uncaptured_bytes, 2000u);
  EXPECT_EQ(r.exchanges[1].request.start_pos, kRequestBase + partial.size() + 2000);
  EXPECT_EQ(r.stats.truncated_messages, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, ChunkDataUncapturedKeepsFraming) {
  // Uncaptured bytes that fall inside one chunk's data do not lose the framing.
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::vector<Step> steps = {req(kGet + kGet), resp(head + "400\r\n" + std::string(24, 'z'), 1000),
                                   resp("\r\n0\r\n\r\n" + kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_FALSE(r.exchanges[0].response.truncated);
  EXPECT_EQ(r.exchanges[0].response.uncaptured_bytes, 1000u);
  EXPECT_EQ(r.exchanges[1].response_http.status, 200);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, ChunkFramingLostCutsMessage) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string first = head + "10\r\n0123456789abcdef\r\n5";  // the size line continues uncaptured
  const std::vector<Step> steps = {req(kGet + kGet), resp(first, 300), resp("more chunk bytes\r\n0\r\n\r\n"),
                                   resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  const Message& cut = r.exchanges[0].response;
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.end_pos, kResponseBase + first.size() + 300);
  EXPECT_EQ(cut.last.tid, 2u);
  EXPECT_EQ(r.exchanges[0].end, Exchange::End::Complete);
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + first.size() + 300 + 23);
  EXPECT_EQ(r.stats.truncated_messages, 1u);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, GapInsideChunkedCutsAtLastSeenByte) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string first = head + "3\r\nabc\r\n";
  const std::vector<Step> steps = {req(kGet + kGet), resp(first), resp(kOk5, 0, /*gap=*/100)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_TRUE(r.exchanges[0].response.truncated);
  EXPECT_EQ(r.exchanges[0].response.end_pos, kResponseBase + first.size());
  EXPECT_EQ(r.exchanges[1].response.start_pos, kResponseBase + first.size() + 100);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, BadChunkSizeIsParseError) {
  const std::string bad = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
  const std::vector<Step> steps = {req(kGet + kGet), resp(bad), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_TRUE(r.exchanges[0].response.truncated);
  EXPECT_EQ(r.stats.parse_errors, 1u);
  EXPECT_EQ(r.exchanges[1].response_http.status, 200);
  EXPECT_EQ(check_split_invariance(steps), "");
}

TEST(Http1Loss, StreamJoinedMidMessage) {
  // The tracer attached while a body was in flight: the first bytes are not a message start.
  const std::vector<Step> steps = {req("y-body-bytes-from-before\r\n"), req(kGet), resp("ody tail"), resp(kOk5)};
  const Result r = run(steps);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].response.start_pos, kResponseBase + 8);
  EXPECT_EQ(check_split_invariance(steps), "");
}

}  // namespace
}  // namespace cs::http1
