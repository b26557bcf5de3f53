// The MySQL / MariaDB session on conversations recorded from the mariadb client (handshake, COM_QUERY,
// result sets, an error) and DBD::MariaDB (prepared statements over the binary protocol), every one also
// cut at every point; and on lost bytes, sequence ids that do not follow, TLS and mid-stream joins.
#include <gtest/gtest.h>

#include <filesystem>

#include "protocols/mysql/mysql_protocol.h"
#include "unit/protocols/dbtest/session_script.h"

namespace cs::mysql {
namespace {

using namespace dbtest;

std::vector<Step> recorded(const std::string& name) {
  return load_conversation((std::filesystem::path(__FILE__).parent_path() / "data" / name).string());
}
const Protocol& P() { return mysql_protocol(); }

std::string packet(uint8_t seq, const std::string& body) {
  const size_t n = body.size();
  return std::string{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff), static_cast<char>(n >> 16),
                     static_cast<char>(seq)} + body;
}
std::string com_query(const std::string& sql) { return packet(0, "\x03" + sql); }
const std::string kOk = packet(1, std::string("\0\0\0\x02\0\0\0", 7));

TEST(MysqlSession, RecordedQueriesResultSetAndError) {
  const auto steps = recorded("mariadb_select.conv");
  const Result r = run(P(), steps, Dir::Ingress);
  std::vector<std::string> names;
  for (const auto& s : r.spans) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"INSERT items", "SELECT items", "SELECT missing_table"}));
  ASSERT_EQ(r.spans.size(), 3u);
  for (const auto& s : r.spans) {
    EXPECT_EQ(s.attr("db.system.name"), "mariadb");
    EXPECT_EQ(s.attr("db.namespace"), "shop");
    EXPECT_EQ(s.end, "complete");
  }
  EXPECT_EQ(r.spans[0].attr("db.query.text"), "INSERT INTO items VALUES (?, ?), (?, ?), (?, ?)");
  EXPECT_EQ(r.spans[1].attr("db.response.returned_rows"), "3");
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "SELECT name FROM items WHERE id >= ?");
  EXPECT_TRUE(r.spans[2].error);
  EXPECT_EQ(r.spans[2].attr("db.response.status_code"), "1146");
  EXPECT_EQ(r.spans[2].status_message, "ERROR 1146 (42S02): Table 'shop.missing_table' doesn't exist");
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(MysqlSession, RecordedCreateTable) {
  const auto steps = recorded("mariadb_create.conv");
  const Result r = run(P(), steps);
  ASSERT_FALSE(r.spans.empty());
  EXPECT_EQ(r.spans.back().name, "CREATE items");
  EXPECT_EQ(r.spans.back().attr("db.collection.name"), "items");
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(MysqlSession, RecordedPreparedStatementsCarryTheirText) {
  const auto steps = recorded("mariadb_prepared.conv");
  const Result r = run(P(), steps);
  std::vector<std::string> names;
  for (const auto& s : r.spans) names.push_back(s.name);
  std::vector<std::string> want = {"SET", "SET", "SET", "SET", "PREPARE INSERT items"};
  for (int i = 0; i < 10; ++i) want.push_back("INSERT items");
  want.push_back("PREPARE SELECT items");
  for (int i = 0; i < 5; ++i) want.push_back("SELECT items");
  EXPECT_EQ(names, want);
  ASSERT_EQ(r.spans.size(), want.size());
  EXPECT_EQ(r.spans[4].attr("db.operation.name"), "PREPARE");
  for (int i = 5; i < 15; ++i) {
    EXPECT_EQ(r.spans[i].attr("db.query.text"), "INSERT INTO items (id, name) VALUES (?, ?)");
    EXPECT_EQ(r.spans[i].attr("db.operation.name"), "INSERT");
    EXPECT_EQ(r.spans[i].end, "complete");
  }
  for (int i = 16; i < 21; ++i) {
    EXPECT_EQ(r.spans[i].attr("db.query.text"), "SELECT name FROM items WHERE id = ?");
    EXPECT_EQ(r.spans[i].attr("db.response.returned_rows"), "1") << i;
  }
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps, 120), "");
}

TEST(MysqlSession, JoinedMidStreamReadsTheNextCommandsResponse) {
  const std::vector<Step> steps = {server(packet(3, std::string("\xfe\0\0\x02\0", 5))),  // tail of an unseen response
                                   client(com_query("SELECT 1")),
                                   server(packet(1, "\x01") + packet(2, std::string(20, 'c')) + packet(3, "\x01" "1") +
                                          packet(4, std::string("\xfe\0\0\x02\0", 5)))};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].name, "SELECT");
  EXPECT_EQ(r.spans[0].attr("db.system.name"), "mysql");  // no greeting seen
  EXPECT_EQ(r.spans[0].attr("db.response.returned_rows"), "1");
}

TEST(MysqlSession, SequenceIdThatDoesNotFollowIsALoss) {
  const std::vector<Step> steps = {client(com_query("DELETE FROM t")), server(packet(2, std::string("\0\0\0\x02\0\0\0", 7))),
                                   client(com_query("DELETE FROM u")), server(kOk)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "lost");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].name, "DELETE u");
}

TEST(MysqlSession, LostResponseBytesRealignAtTheNextCommand) {
  const std::string rows = packet(1, "\x01") + packet(2, std::string(20, 'c')) + packet(3, "\x01" "1");
  const std::vector<Step> steps = {client(com_query("SELECT a FROM t")), server(rows.substr(0, 7)),
                                   server(rows.substr(30), 0, 23), client(com_query("SELECT b FROM t")),
                                   server(packet(1, "\x01") + packet(2, std::string(20, 'c')) + packet(3, std::string("\xfe\0\0\x02\0", 5)) +
                                          packet(4, std::string("\xfe\0\0\x02\0", 5)))};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "lost");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].attr("db.response.returned_rows"), "0");
}

TEST(MysqlSession, ResultSetLongerThanCapturedEndsAtTheNextCommand) {
  std::string rs = packet(1, "\x01") + packet(2, std::string(20, 'c')) + packet(3, std::string("\xfe\0\0\x02\0", 5));
  uint8_t seq = 4;
  for (int i = 0; i < 1500; ++i) rs += packet(seq++, "\x05hello");
  rs += packet(seq, std::string("\xfe\0\0\x02\0", 5));
  const std::vector<Step> steps = {client(com_query("SELECT v FROM big")), server(rs.substr(0, 4096), rs.size() - 4096),
                                   client(com_query("DELETE FROM t")), server(kOk)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_FALSE(r.spans[0].error);
  EXPECT_EQ(r.spans[0].resp_end, kServerBase + rs.size());
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].name, "DELETE t");
}

TEST(MysqlSession, MultiStatementQueryReadsEveryResult) {
  // "SELECT 1; UPDATE t SET a = 1": a result set whose EOF says more results follow, then an OK.
  const std::string more_eof = std::string("\xfe\0\0\x0a\0", 5);  // SERVER_MORE_RESULTS_EXISTS | AUTOCOMMIT
  const std::vector<Step> steps = {
      client(com_query("SELECT 1; UPDATE t SET a = 1")),
      server(packet(1, "\x01") + packet(2, std::string(20, 'c')) + packet(3, std::string("\xfe\0\0\x02\0", 5)) +
             packet(4, "\x01" "1") + packet(5, more_eof)),
      server(packet(6, std::string("\0\x01\0\x02\0\0\0", 7))), client(com_query("SELECT 2")),
      server(packet(1, "\x01") + packet(2, std::string(20, 'c')) + packet(3, std::string("\xfe\0\0\x02\0", 5)) +
             packet(4, "\x01" "2") + packet(5, std::string("\xfe\0\0\x02\0", 5)))};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_EQ(r.spans[0].resp_last_tid, 3u);  // the OK of the second statement ends it
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(MysqlSession, NoResponseCommandsMakeNoSpan) {
  const std::vector<Step> steps = {client(packet(0, "\x19\x01\0\0\0")), client(com_query("SELECT 1")),
                                   server(packet(1, "\x01") + packet(2, std::string(20, 'c')) + packet(3, "\x01" "1") +
                                          packet(4, std::string("\xfe\0\0\x02\0", 5))),
                                   client(packet(0, "\x01")), close_conn()};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].end, "complete");
}

TEST(MysqlSession, SslRequestStopsReading) {
  const auto rec = recorded("mariadb_select.conv");
  std::string ssl(32, '\0');
  ssl[0] = '\x8c';
  ssl[1] = '\x0a';  // CLIENT_PROTOCOL_41 | CLIENT_SSL
  const std::vector<Step> steps = {rec[0], client(packet(1, ssl)), client("\x16\x03\x01 hello"), server("\x16\x03\x03")};
  const Result r = run(P(), steps);
  EXPECT_TRUE(r.spans.empty());
  EXPECT_EQ(r.stats.parse_errors, 0u);
}

TEST(MysqlDetect, GreetingOrOneCommandPacket) {
  const auto rec = recorded("mariadb_select.conv");
  EXPECT_EQ(P().detect(rec[0].bytes), Detect::SentByServer);
  EXPECT_EQ(P().detect(rec[0].bytes.substr(0, 40)), Detect::No);
  EXPECT_EQ(P().detect(com_query("SELECT 1")), Detect::SentByClient);
  EXPECT_EQ(P().detect(packet(0, "\x0e")), Detect::SentByClient);
  EXPECT_EQ(P().detect(packet(1, "\x03SELECT 1")), Detect::No);  // not a command's sequence id
  EXPECT_EQ(P().detect(packet(0, "\x03SEL\x01")), Detect::No);
  EXPECT_EQ(P().detect(com_query("SELECT 1") + "x"), Detect::No);
  EXPECT_EQ(P().detect("GET / HTTP/1.1\r\n\r\n"), Detect::No);
  EXPECT_EQ(P().detect(std::string("Q\0\0\0\x0dSELECT 1\0", 14)), Detect::No);
}

}  // namespace
}  // namespace cs::mysql
