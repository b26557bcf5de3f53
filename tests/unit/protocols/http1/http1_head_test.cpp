// Head parsing: fields kept, header name case, whitespace, obs-fold, framing headers.
#include <gtest/gtest.h>

#include "protocols/http1/http1_head.h"
#include "unit/protocols/http1/http1_script.h"

namespace cs::http1 {
namespace {

using namespace test;

Http1Message parse_ok(std::string_view head, bool request, HeadFraming* framing_out = nullptr) {
  Http1Message m;
  HeadFraming f;
  EXPECT_TRUE(parse_head(head, request, m, f)) << head;
  if (framing_out) *framing_out = f;
  return m;
}

bool parses(std::string_view head, bool request) {
  Http1Message m;
  HeadFraming f;
  return parse_head(head, request, m, f);
}

TEST(Http1Head, RequestLineFields) {
  const Http1Message m = parse_ok("GET /users/7?expand=1#frag HTTP/1.1\r\nHost: api.local:8080\r\n\r\n", true);
  EXPECT_EQ(m.method(), "GET");
  EXPECT_EQ(m.target(), "/users/7?expand=1#frag");
  EXPECT_EQ(m.path(), "/users/7");
  EXPECT_EQ(m.host(), "api.local:8080");
  EXPECT_EQ(m.version(), "1.1");
  EXPECT_TRUE(m.keep_alive);
}

TEST(Http1Head, AbsoluteFormTarget) {
  Http1Message m = parse_ok("GET http://proxy.example:3128/a/b?q=1 HTTP/1.1\r\n\r\n", true);
  EXPECT_EQ(m.path(), "/a/b");
  EXPECT_EQ(m.host(), "proxy.example:3128");
  m = parse_ok("GET https://h.example HTTP/1.1\r\nHost: other\r\n\r\n", true);
  EXPECT_EQ(m.path(), "/");
  EXPECT_EQ(m.host(), "other");  // the Host header wins
}

TEST(Http1Head, StatusLine) {
  Http1Message m = parse_ok("HTTP/1.0 404 Not Found\r\n\r\n", false);
  EXPECT_EQ(m.status, 404);
  EXPECT_EQ(m.version(), "1.0");
  EXPECT_FALSE(m.keep_alive);
  m = parse_ok("HTTP/1.1 204\r\n\r\n", false);  // reason phrase is optional
  EXPECT_EQ(m.status, 204);
  EXPECT_FALSE(parses("HTTP/1.1 2000 OK\r\n\r\n", false));
  EXPECT_FALSE(parses("HTTP/1.1 20 OK\r\n\r\n", false));
  EXPECT_FALSE(parses("HTTP/1.x 200 OK\r\n\r\n", false));
}

TEST(Http1Head, BadRequestLines) {
  EXPECT_FALSE(parses("GET\r\n\r\n", true));
  EXPECT_FALSE(parses("GET /\r\n\r\n", true));
  EXPECT_FALSE(parses("GET / HTTP/11\r\n\r\n", true));
  EXPECT_FALSE(parses("GET  HTTP/1.1\r\n\r\n", true));
}

TEST(Http1Head, HeaderNamesAnyCase) {
  HeadFraming f;
  const Http1Message m = parse_ok(
      "POST /x HTTP/1.1\r\nhOST: h1\r\nCONTENT-length: 12\r\ncOnNeCtIoN: Close\r\n"
      "TRACEPARENT: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n",
      true, &f);
  EXPECT_EQ(m.host(), "h1");
  EXPECT_TRUE(f.has_content_length);
  EXPECT_EQ(f.content_length, 12u);
  EXPECT_TRUE(f.conn_close);
  EXPECT_FALSE(m.keep_alive);
  EXPECT_EQ(m.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
}

TEST(Http1Head, WhitespaceAndObsFold) {
  HeadFraming f;
  const Http1Message m = parse_ok(
      "GET / HTTP/1.1\r\nHost: \t example.com \t\r\nX-Long: part one\r\n  part two\r\n"
      "Traceparent:00-aa-bb\r\n  -01\r\nConnection: upgrade,\r\n keep-alive\r\n\r\n",
      true, &f);
  EXPECT_EQ(m.host(), "example.com");
  EXPECT_EQ(m.traceparent, "00-aa-bb -01");  // folded value joined by one space
  EXPECT_TRUE(f.conn_keep_alive);
}

TEST(Http1Head, BareLineFeeds) {
  HeadFraming f;
  const Http1Message m = parse_ok("GET /lf HTTP/1.1\nHost: lf\nContent-Length: 3\n\n", true, &f);
  EXPECT_EQ(m.host(), "lf");
  EXPECT_EQ(f.content_length, 3u);
}

TEST(Http1Head, TransferEncoding) {
  HeadFraming f;
  parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", false, &f);
  EXPECT_TRUE(f.chunked);
  EXPECT_FALSE(f.has_content_length);  // Transfer-Encoding overrides it
  parse_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, &f);
  EXPECT_FALSE(f.chunked);
  EXPECT_TRUE(f.other_transfer_coding);
  EXPECT_FALSE(parses("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", true));
}

TEST(Http1Head, ContentLengthChecks) {
  HeadFraming f;
  parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n", false, &f);
  EXPECT_EQ(f.content_length, 7u);
  EXPECT_FALSE(parses("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n", false));
  EXPECT_FALSE(parses("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false));
  EXPECT_FALSE(parses("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", false));
}

TEST(Http1Head, Http10KeepAlive) {
  EXPECT_FALSE(parse_ok("GET / HTTP/1.0\r\n\r\n", true).keep_alive);
  EXPECT_TRUE(parse_ok("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true).keep_alive);
  EXPECT_FALSE(parse_ok("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", true).keep_alive);
}

TEST(Http1Head, FindHeadEnd) {
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r\nbody", 0), 18u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\n\nbody", 0), 16u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nA: b\r\n", 0), std::string_view::npos);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r", 0), std::string_view::npos);
}

TEST(Http1Head, MessageStartMatch) {
  EXPECT_EQ(match_message_start("GET /", true), StartMatch::Yes);
  EXPECT_EQ(match_message_start("PROPFIND /", true), StartMatch::Yes);
  EXPECT_EQ(match_message_start("PROP", true), StartMatch::Partial);
  EXPECT_EQ(match_message_start("GET/", true), StartMatch::No);
  EXPECT_EQ(match_message_start("HTTP/1.1 200", false), StartMatch::Yes);
  EXPECT_EQ(match_message_start("HTT", false), StartMatch::Partial);
  EXPECT_EQ(match_message_start("HTTP/2", false), StartMatch::No);
  EXPECT_EQ(match_message_start("GET /", false), StartMatch::No);
}

}  // namespace
}  // namespace cs::http1
