// What HTTP spans show of a request (http1_options.h): no header value unless named by --http-header,
// query values REDACTED unless --raw-url-query. Checked on describe() and on the JSON lines of the whole
// pipeline, with requests and responses full of secrets.
#include <gtest/gtest.h>

#include <sstream>

#include "pipeline/pipeline.h"
#include "protocols/http1/http1_options.h"
#include "protocols/http1/http1_protocol.h"
#include "protocols/protocol.h"
#include "sinks/json_sink.h"
#include "support/scenario.h"

namespace cs::http1 {
namespace {

TEST(Http1Redaction, QueryValuesAreRedactedKeysKept) {
  EXPECT_EQ(redact_query("id=1"), "id=REDACTED");
  EXPECT_EQ(redact_query("token=abc&user=bob&empty=&flag"), "token=REDACTED&user=REDACTED&empty=&REDACTED");
  EXPECT_EQ(redact_query("a=b=c"), "a=REDACTED");
  EXPECT_EQ(redact_query("&&x=1&"), "&&x=REDACTED&");
  EXPECT_EQ(redact_query("secretonly"), "REDACTED");
  EXPECT_EQ(redact_query(""), "");
}

TEST(Http1Redaction, HeaderNamesAreCheckedAtStart) {
  Http1Options o;
  EXPECT_EQ(make_http1_options(false, {"X-Request-Id", "traceparent"}, o), "");
  EXPECT_EQ(o.headers, (std::vector<std::string>{"x-request-id", "traceparent"}));
  EXPECT_EQ(o.request_keys[0], "http.request.header.x-request-id");
  EXPECT_EQ(o.response_keys[1], "http.response.header.traceparent");
  EXPECT_EQ(make_http1_options(false, {"x y"}, o), "--http-header 'x y': not an HTTP header name");
  EXPECT_EQ(make_http1_options(false, {""}, o), "--http-header '': not an HTTP header name");
  EXPECT_EQ(make_http1_options(false, {"Accept", "accept"}, o), "--http-header 'accept': given twice");
}

const char* const kSecrets[] = {"Bearer-s3cr3t", "sessionid=c00k1e", "apikey-777", "tok-999", "pw-555",
                                "set-c00k1e", "body-secret"};

// Client and server spans of one request carrying secrets in headers, query and bodies, as JSON lines.
std::string json_lines(const std::vector<const Protocol*>& protocols) {
  test::Scenario s;
  const test::Proc curl{10, 10, "curl"}, srv{20, 21, "python3"};
  auto c = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c, "POST /login?token=tok-999&user=bob&password=pw-555 HTTP/1.1\r\nHost: svc\r\n"
                        "Authorization: Bearer-s3cr3t\r\nCookie: sessionid=c00k1e\r\nX-Api-Key: apikey-777\r\n"
                        "X-Request-Id: req-1\r\nX-Request-Id: req-2\r\nContent-Length: 11\r\n\r\nbody-secret");
  s.server_to_client(c, "HTTP/1.1 200 OK\r\nSet-Cookie: set-c00k1e\r\nX-Request-Id: req-1\r\n"
                        "Content-Length: 11\r\n\r\nbody-secret");
  std::ostringstream out;
  JsonSink sink(out);
  PipelineConfig config;
  config.id_seed = 1;
  Pipeline p(config, sink, nullptr, protocols);
  for (const auto& r : s.records) p.on_record(r.data(), r.size());
  p.flush();
  sink.flush();
  return out.str();
}

std::vector<const Protocol*> with_http(const Protocol& http) {
  std::vector<const Protocol*> out;
  for (const Protocol* p : protocol_registry()) out.push_back(p == &http1_protocol() ? &http : p);
  return out;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST(Http1Redaction, DefaultSpansHoldNoHeaderValueAndNoQueryValue) {
  const std::string json = json_lines(protocol_registry());
  ASSERT_EQ(count(json, "\n"), 2u) << json;
  for (const char* secret : kSecrets) EXPECT_EQ(json.find(secret), std::string::npos) << secret << " in " << json;
  EXPECT_EQ(json.find("req-1"), std::string::npos);
  EXPECT_EQ(json.find("http.request.header."), std::string::npos);
  EXPECT_EQ(json.find("http.response.header."), std::string::npos);
  EXPECT_EQ(count(json, "\"url.query\":\"token=REDACTED&user=REDACTED&password=REDACTED\""), 2u) << json;
  EXPECT_EQ(count(json, "\"name\":\"POST /login\""), 2u) << json;
}

TEST(Http1Redaction, NamedHeadersOnlyAndRawQueryWhenAsked) {
  Http1Options options;
  ASSERT_EQ(make_http1_options(true, {"x-request-id"}, options), "");
  const Http1Protocol http(options);
  const std::string json = json_lines(with_http(http));
  ASSERT_EQ(count(json, "\n"), 2u) << json;
  EXPECT_EQ(count(json, "\"http.request.header.x-request-id\":\"req-1, req-2\""), 2u) << json;
  EXPECT_EQ(count(json, "\"http.response.header.x-request-id\":\"req-1\""), 2u) << json;
  EXPECT_EQ(count(json, "\"url.query\":\"token=tok-999&user=bob&password=pw-555\""), 2u) << json;
  // Headers not named stay out; the bodies never appear.
  for (const char* secret : {"Bearer-s3cr3t", "sessionid=c00k1e", "apikey-777", "set-c00k1e", "body-secret"})
    EXPECT_EQ(json.find(secret), std::string::npos) << secret << " in " << json;
}

TEST(Http1Redaction, NamingAuthorizationIsWhatEmitsIt) {
  Http1Options options;
  ASSERT_EQ(make_http1_options(false, {"Authorization"}, options), "");
  const Http1Protocol http(options);
  const std::string json = json_lines(with_http(http));
  EXPECT_EQ(count(json, "\"http.request.header.authorization\":\"Bearer-s3cr3t\""), 2u) << json;
  EXPECT_EQ(json.find("tok-999"), std::string::npos) << "query values still redacted";
  EXPECT_EQ(json.find("sessionid=c00k1e"), std::string::npos);
}

}  // namespace
}  // namespace cs::http1
