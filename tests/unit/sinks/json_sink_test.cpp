#include "sinks/json_sink.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "unit/sinks/span_samples.h"

namespace cs {
namespace {

using test::make_span;

Span server_span() {
  Span s = make_span(0x00f067aa0ba902b7ull, 0x1122334455667788ull, SpanKind::Server, "GET /users",
                     1714557600123456789ull, 1714557600133456789ull, "python3", 4100);
  s.attributes = {{"http.request.method", std::string("GET")},
                  {"url.path", std::string("/users")},
                  {"http.response.status_code", int64_t{200}},
                  {"server.address", std::string("127.0.0.1")},
                  {"server.port", int64_t{8080}},
                  {"client.address", std::string("127.0.0.1")},
                  {"client.port", int64_t{51234}},
                  {"network.protocol.name", std::string("http")},
                  {"network.protocol.version", std::string("1.1")}};
  return s;
}

// Parses one JSON line strictly (UTF-8 validated); fails the test if it is not valid JSON.
rapidjson::Document parse_line(const std::string& line) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(line.c_str(), line.size());
  EXPECT_FALSE(d.HasParseError()) << rapidjson::GetParseError_En(d.GetParseError()) << " at "
                                  << d.GetErrorOffset() << " in: " << line;
  return d;
}

TEST(JsonSink, ExactLineForAServerSpan) {
  std::ostringstream out;
  JsonSink sink(out);
  sink.emit({server_span()});
  sink.flush();
  EXPECT_EQ(out.str(),
            "{\"trace_id\":\"4b112233445566778899aabbccddee36\",\"span_id\":\"00f067aa0ba902b7\","
            "\"parent_span_id\":\"1122334455667788\",\"kind\":\"server\",\"name\":\"GET /users\","
            "\"start_time_unix_nano\":1714557600123456789,\"end_time_unix_nano\":1714557600133456789,"
            "\"service.name\":\"python3\",\"process.pid\":4100,\"thread.id\":4101,\"status\":\"ok\","
            "\"attributes\":{\"http.request.method\":\"GET\",\"url.path\":\"/users\","
            "\"http.response.status_code\":200,\"server.address\":\"127.0.0.1\",\"server.port\":8080,"
            "\"client.address\":\"127.0.0.1\",\"client.port\":51234,\"network.protocol.name\":\"http\","
            "\"network.protocol.version\":\"1.1\"}}\n");
  EXPECT_EQ(sink.spans_written(), 1u);
}

TEST(JsonSink, RootClientErrorSpanHasEmptyParentAndErrorStatus) {
  std::ostringstream out;
  JsonSink sink(out);
  Span s = make_span(1, 0, SpanKind::Client, "POST /x", 10, 20, "curl", 7);
  s.error = true;
  s.status_message = "connection reset before response";
  sink.emit({s});
  sink.flush();
  EXPECT_EQ(out.str(),
            "{\"trace_id\":\"4b112233445566778899aabbccddee36\",\"span_id\":\"0000000000000001\","
            "\"parent_span_id\":\"\",\"kind\":\"client\",\"name\":\"POST /x\",\"start_time_unix_nano\":10,"
            "\"end_time_unix_nano\":20,\"service.name\":\"curl\",\"process.pid\":7,\"thread.id\":8,"
            "\"status\":\"error\",\"attributes\":{}}\n");
}

TEST(JsonSink, OneLinePerSpanInEmitOrderAndKeysInContractOrder) {
  std::ostringstream out;
  JsonSink sink(out);
  Span root = make_span(1, 0, SpanKind::Client, "GET /a", 100, 900, "curl", 1);
  Span child = make_span(2, 1, SpanKind::Server, "GET /a", 200, 800, "nginx", 2);
  Span grandchild = make_span(3, 2, SpanKind::Client, "GET /b", 300, 700, "nginx", 2);
  sink.emit({root, child, grandchild});
  sink.emit({make_span(4, 0, SpanKind::Server, "GET /c", 1, 2, "x", 3)});
  sink.flush();

  std::istringstream in(out.str());
  std::string line;
  std::vector<std::string> ids;
  const std::vector<std::string> keys = {"trace_id", "span_id", "parent_span_id", "kind",
                                         "name", "start_time_unix_nano", "end_time_unix_nano",
                                         "service.name", "process.pid", "thread.id", "status",
                                         "attributes"};
  while (std::getline(in, line)) {
    rapidjson::Document d = parse_line(line);
    ASSERT_TRUE(d.IsObject());
    std::vector<std::string> got;
    for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) got.emplace_back(it->name.GetString());
    EXPECT_EQ(got, keys);
    ids.emplace_back(d["span_id"].GetString());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"0000000000000001", "0000000000000002", "0000000000000003",
                                           "0000000000000004"}));
  EXPECT_EQ(sink.spans_written(), 4u);
}

TEST(JsonSink, ControlCharactersAndQuotesAreEscaped) {
  std::ostringstream out;
  JsonSink sink(out);
  Span s = make_span(1, 0, SpanKind::Server, "GET /a\"b\\c\n\x01\x7f", 1, 2, "x", 1);
  s.attributes = {{"url.path", std::string("/a\tb\0c", 6)}};
  sink.emit({s});
  sink.flush();
  const std::string text = out.str();
  EXPECT_NE(text.find(R"("name":"GET /a\"b\\c\n\u0001)" "\x7f" R"(")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("url.path":"/a\tb\u0000c")"), std::string::npos) << text;
  rapidjson::Document d = parse_line(text.substr(0, text.size() - 1));
  EXPECT_EQ(std::string(d["attributes"]["url.path"].GetString(), d["attributes"]["url.path"].GetStringLength()),
            std::string("/a\tb\0c", 6));
}

TEST(JsonSink, InvalidUtf8BecomesReplacementCharacterAndStaysValidJson) {
  std::ostringstream out;
  JsonSink sink(out);
  // Lone continuation byte, cut 3-byte sequence, overlong '/', surrogate, 0xFF; valid é and 😀 kept.
  Span s = make_span(1, 0, SpanKind::Server, "GET /\x80x\xE2\x82", 1, 2, "py\xFFthon", 1);
  s.attributes = {{"url.path", std::string("/\xC0\xAF/\xED\xA0\x80/\xC3\xA9/\xF0\x9F\x98\x80")},
                  {"server.address", std::string("h\xF5st")}};
  sink.emit({s});
  sink.flush();
  const std::string text = out.str();
  rapidjson::Document d = parse_line(text.substr(0, text.size() - 1));
  EXPECT_STREQ(d["name"].GetString(), "GET /\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_STREQ(d["service.name"].GetString(), "py\xEF\xBF\xBDthon");
  EXPECT_STREQ(d["attributes"]["url.path"].GetString(),
               "/\xEF\xBF\xBD\xEF\xBF\xBD/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD/\xC3\xA9/\xF0\x9F\x98\x80");
  EXPECT_STREQ(d["attributes"]["server.address"].GetString(), "h\xEF\xBF\xBDst");
}

TEST(JsonSink, NegativeAndLargeIntegerAttributes) {
  std::ostringstream out;
  JsonSink sink(out);
  Span s = make_span(UINT64_MAX, UINT64_MAX - 1, SpanKind::Server, "n", UINT64_MAX, 0, "x", UINT32_MAX);
  s.attributes = {{"a", int64_t{-5}}, {"b", INT64_MIN}};
  sink.emit({s});
  sink.flush();
  EXPECT_NE(out.str().find("\"span_id\":\"ffffffffffffffff\",\"parent_span_id\":\"fffffffffffffffe\""),
            std::string::npos);
  EXPECT_NE(out.str().find("\"start_time_unix_nano\":18446744073709551615"), std::string::npos);
  EXPECT_NE(out.str().find("\"process.pid\":4294967295"), std::string::npos);
  EXPECT_NE(out.str().find("{\"a\":-5,\"b\":-9223372036854775808}"), std::string::npos);
}

TEST(JsonSink, WritesToFileAndFlushes) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  JsonSink sink(f);
  sink.emit({server_span(), server_span()});
  sink.emit({});
  sink.flush();
  std::rewind(f);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  std::string one;
  sink.format(server_span(), one);
  EXPECT_EQ(text, one + one);
  EXPECT_EQ(sink.write_errors(), 0u);
}

TEST(JsonSink, LargeBatchIsWrittenCompletely) {
  std::ostringstream out;
  JsonSink sink(out);
  std::vector<Span> spans;
  for (uint64_t i = 1; i <= 5000; ++i) {
    Span s = server_span();
    s.span_id = i;
    spans.push_back(s);
  }
  sink.emit(spans);
  sink.flush();
  std::istringstream in(out.str());
  std::string line;
  uint64_t expect = 1;
  while (std::getline(in, line)) {
    rapidjson::Document d = parse_line(line);
    ASSERT_EQ(d["span_id"].GetString(), span_id_hex(expect));
    ++expect;
  }
  EXPECT_EQ(expect, 5001u);
}

// Keys are rendered once and remembered by address; a key that is not a literal (same address, other
// bytes later) must still come out as it is now.
TEST(JsonSink, AttributeKeysComeOutAsTheyAreEvenWhenTheirBufferIsReused) {
  std::string key = "first.key.name";
  Span s = server_span();
  std::string line;
  JsonSink sink(std::cout);
  s.attributes = {{key, int64_t{1}}};
  sink.format(s, line);
  EXPECT_NE(line.find("\"attributes\":{\"first.key.name\":1}"), std::string::npos) << line;
  key.replace(0, 5, "other");  // same buffer, same length, other bytes
  s.attributes = {{key, int64_t{2}}};
  line.clear();
  sink.format(s, line);
  EXPECT_NE(line.find("\"attributes\":{\"other.key.name\":2}"), std::string::npos) << line;
  key = std::string("quo\"te.key");  // not plain: escaped every time
  s.attributes = {{key, int64_t{3}}};
  line.clear();
  sink.format(s, line);
  EXPECT_NE(line.find("{\"quo\\\"te.key\":3}"), std::string::npos) << line;
}

TEST(JsonSink, LinesAreBufferedUntilFlushOrTheWriteThreshold) {
  std::ostringstream out;
  JsonSink sink(out);
  sink.emit({server_span()});
  EXPECT_EQ(out.str(), "");
  sink.flush();
  std::string one;
  sink.format(server_span(), one);
  EXPECT_EQ(out.str(), one);

  // Past the threshold, emit() writes by itself: whole lines only.
  std::vector<Span> spans(JsonSink::kWriteThreshold / one.size() + 1, server_span());
  sink.emit(spans);
  const size_t before_flush = out.str().size();
  EXPECT_GE(before_flush, JsonSink::kWriteThreshold);
  EXPECT_EQ(before_flush % one.size(), 0u);
  sink.flush();
  EXPECT_EQ(out.str().size(), one.size() * (spans.size() + 1));
}

TEST(JsonSink, LineLargerThanTheBufferIsWrittenWhole) {
  std::ostringstream out;
  JsonSink sink(out);
  Span big = server_span();
  big.name = "GET /" + std::string(3 * JsonSink::kWriteThreshold, 'a');
  sink.emit({server_span(), big, server_span()});
  sink.flush();
  std::istringstream in(out.str());
  std::string line;
  std::vector<size_t> name_sizes;
  while (std::getline(in, line)) name_sizes.push_back(parse_line(line)["name"].GetStringLength());
  EXPECT_EQ(name_sizes, (std::vector<size_t>{10, big.name.size(), 10}));
}

TEST(JsonSink, DestructorWritesWhatIsBuffered) {
  std::ostringstream out;
  {
    JsonSink sink(out);
    sink.emit({server_span()});
  }
  std::string one;
  JsonSink(out).format(server_span(), one);
  EXPECT_EQ(out.str(), one);
}

}  // namespace
}  // namespace cs
