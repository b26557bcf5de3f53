// The registry's protocols and their detection side by side: each recorded conversation's first bytes
// (either direction) are claimed by its own protocol only, or by none; HTTP requests by HTTP/1 only.
#include <gtest/gtest.h>

#include <filesystem>

#include "protocols/protocol.h"
#include "unit/protocols/dbtest/session_script.h"

namespace cs {
namespace {

std::vector<std::string> claimed_by(std::string_view bytes) {
  std::vector<std::string> out;
  for (const Protocol* p : protocol_registry())
    if (p->detect(bytes) != Detect::No) out.emplace_back(p->name());
  return out;
}

TEST(ProtocolRegistry, OrderWeakestEvidenceLast) {
  std::vector<std::string> names;
  for (const Protocol* p : protocol_registry()) names.emplace_back(p->name());
  EXPECT_EQ(names, (std::vector<std::string>{"http1", "redis", "memcached", "postgresql", "mysql"}));
}

TEST(ProtocolRegistry, RecordedFirstBytesAreClaimedByTheirOwnProtocolOnly) {
  const auto dir = std::filesystem::path(__FILE__).parent_path();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"redis/data/cli_session.conv", "redis"},           {"redis/data/benchmark_p16.conv", "redis"},
      {"redis/data/subscribe_resp3.conv", "redis"},       {"postgres/data/psql_ssl_prefer.conv", "postgresql"},
      {"postgres/data/psycopg_extended.conv", "postgresql"}, {"mysql/data/mariadb_select.conv", "mysql"},
      {"mysql/data/mariadb_prepared.conv", "mysql"},      {"memcached/data/classic_and_meta.conv", "memcached"},
  };
  for (const auto& [file, proto] : cases) {
    const auto steps = dbtest::load_conversation((dir / file).string());
    ASSERT_FALSE(steps.empty()) << file;
    // The connection's first segment: claimed by its protocol.
    EXPECT_EQ(claimed_by(steps[0].bytes), std::vector<std::string>{proto}) << file;
    // Every later segment: never by another protocol (a connection joined mid-stream).
    for (size_t i = 1; i < steps.size(); ++i) {
      for (const std::string& name : claimed_by(steps[i].bytes))
        EXPECT_EQ(name, proto) << file << " segment " << i;
    }
  }
  EXPECT_EQ(claimed_by("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"), std::vector<std::string>{"http1"});
  EXPECT_EQ(claimed_by("HTTP/1.1 200 OK\r\n\r\n"), std::vector<std::string>{"http1"});
  EXPECT_TRUE(claimed_by("SSH-2.0-OpenSSH_9.2\r\n").empty());
  EXPECT_TRUE(claimed_by(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)).empty());  // TLS
}

}  // namespace
}  // namespace cs
