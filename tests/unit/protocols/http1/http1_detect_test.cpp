#include <gtest/gtest.h>

#include "protocols/http1/http1_protocol.h"

namespace cs::http1 {
namespace {

TEST(Http1Detect, RequestsByMethodToken) {
  const Protocol& p = http1_protocol();
  for (const char* s : {"GET / HTTP/1.1\r\n", "POST /x HTTP/1.1", "PUT ", "DELETE /a", "HEAD /", "OPTIONS *",
                        "PATCH /p", "CONNECT host:443 HTTP/1.1", "TRACE /"})
    EXPECT_EQ(p.detect(s), Detect::SentByClient) << s;
}

TEST(Http1Detect, Responses) {
  EXPECT_EQ(http1_protocol().detect("HTTP/1.1 200 OK\r\n"), Detect::SentByServer);
  EXPECT_EQ(http1_protocol().detect("HTTP/1.0 404 Not Found"), Detect::SentByServer);
  EXPECT_EQ(http1_protocol().detect("HTTP/1."), Detect::SentByServer);
}

TEST(Http1Detect, NotSureIsNo) {
  const Protocol& p = http1_protocol();
  for (const char* s : {"", "G", "GE", "GET", "get / HTTP/1.1", "GETX / HTTP/1.1", "HTTP/1", "HTTP/2.0 200",
                        "PRI * HTTP/2.0", "\x16\x03\x01\x02\x00", "SSH-2.0-OpenSSH", " GET /"})
    EXPECT_EQ(p.detect(s), Detect::No) << s;
}

TEST(Http1Detect, RegistryHoldsHttp1) {
  const auto& all = protocol_registry();
  ASSERT_GE(all.size(), 1u);  // the data stores follow (unit/protocols/registry_test.cpp)
  EXPECT_EQ(all[0]->name(), "http1");
  EXPECT_EQ(all[0], &http1_protocol());
}

}  // namespace
}  // namespace cs::http1
