// The PostgreSQL session on conversations recorded from psql (SSLRequest answered N, simple queries, an
// error) and psycopg 3 (extended protocol: unnamed statements, a named statement prepared once and
// executed five times, an error, four Executes in one pipeline Sync), every one also cut at every point;
// and on TLS, a connection joined mid-stream, lost and garbled bytes.
#include <gtest/gtest.h>

#include <filesystem>

#include "protocols/postgres/pg_protocol.h"
#include "unit/protocols/dbtest/session_script.h"

namespace cs::postgres {
namespace {

using namespace dbtest;

std::vector<Step> recorded(const std::string& name) {
  return load_conversation((std::filesystem::path(__FILE__).parent_path() / "data" / name).string());
}
const Protocol& P() { return pg_protocol(); }

std::string be32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string msg(char type, const std::string& body) { return std::string(1, type) + be32(body.size() + 4) + body; }
std::string query(const std::string& sql) { return msg('Q', sql + std::string(1, '\0')); }
const std::string kReady = msg('Z', "I");

TEST(PgSession, RecordedPsqlWithSslRequestAnsweredN) {
  const auto steps = recorded("psql_ssl_prefer.conv");
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  const Span1& s = r.spans[0];
  EXPECT_EQ(s.name, "SELECT pg_class");
  EXPECT_EQ(s.end, "complete");
  EXPECT_FALSE(s.error);
  EXPECT_EQ(s.attr("db.system.name"), "postgresql");
  EXPECT_EQ(s.attr("db.namespace"), "postgres");
  EXPECT_EQ(s.attr("db.operation.name"), "SELECT");
  EXPECT_EQ(s.attr("db.collection.name"), "pg_class");
  EXPECT_EQ(s.attr("db.query.text"), "SELECT count(*) FROM pg_class WHERE relname = ?");
  EXPECT_EQ(s.attr("db.response.returned_rows"), "1");
  EXPECT_EQ(s.req_first_tid, 5u);
  EXPECT_EQ(s.resp_first_tid, 6u);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(PgSession, RecordedPsqlError) {
  const auto steps = recorded("psql_error.conv");
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  const Span1& s = r.spans[0];
  EXPECT_EQ(s.name, "SELECT");
  EXPECT_TRUE(s.error);
  EXPECT_EQ(s.status_message, "SQLSTATE 22012: division by zero");
  EXPECT_EQ(s.attr("db.response.status_code"), "22012");
  EXPECT_EQ(s.attr("error.type"), "22012");
  EXPECT_EQ(s.attr("db.query.text"), "SELECT ?/?");
  EXPECT_EQ(s.resp_last_tid, 5u);  // the query's answer runs to its ReadyForQuery
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(PgSession, RecordedPsycopgExtendedProtocol) {
  const auto steps = recorded("psycopg_extended.conv");
  const Result r = run(P(), steps);
  std::vector<std::string> names;
  for (const auto& s : r.spans) names.push_back(s.name);
  std::vector<std::string> want = {"CREATE items"};
  for (int i = 0; i < 10; ++i) want.push_back("INSERT items");
  for (int i = 0; i < 5; ++i) want.push_back("SELECT items");
  want.push_back("SELECT missing_table");
  for (int i = 0; i < 4; ++i) want.push_back("UPDATE items");
  EXPECT_EQ(names, want);
  ASSERT_EQ(r.spans.size(), want.size());
  for (const auto& s : r.spans) {
    EXPECT_EQ(s.end, "complete") << s.name;
    EXPECT_EQ(s.attr("db.namespace"), "postgres");
  }
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "INSERT INTO items (id, name) VALUES ($1, $2)");
  // The statement prepared once (named _pg3_0) carries its text in each of its five Executes, which
  // are only Bind/Describe/Execute/Sync on the wire.
  for (int i = 11; i < 16; ++i) {
    EXPECT_EQ(r.spans[i].attr("db.query.text"), "SELECT name FROM items WHERE id = $1") << i;
    EXPECT_EQ(r.spans[i].attr("db.response.returned_rows"), "1") << i;
    EXPECT_FALSE(r.spans[i].error);
  }
  EXPECT_TRUE(r.spans[16].error);
  EXPECT_EQ(r.spans[16].attr("db.response.status_code"), "42P01");
  // Four Executes before one Sync: four spans, each ending at its own CommandComplete.
  for (int i = 17; i < 21; ++i) {
    EXPECT_EQ(r.spans[i].attr("db.query.text"), "UPDATE items SET name = $1 WHERE id = $2");
    EXPECT_EQ(r.spans[i].req_first_tid, r.spans[17].req_first_tid);
    EXPECT_LT(r.spans[i].resp_end, r.spans[20].resp_end + (i == 20 ? 1 : 0));
    if (i > 17) {
      EXPECT_EQ(r.spans[i].req_start, r.spans[i - 1].req_end);
    }
  }
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(r.stats.unmatched_responses, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps, 120), "");
}

TEST(PgSession, SslAcceptedStopsReading) {
  const std::string ssl = be32(8) + be32(80877103);
  const std::vector<Step> steps = {client(ssl), server("S"), client("\x16\x03\x01 tls hello"), server("\x16\x03\x03"),
                                   client(query("SELECT 1")), server(kReady)};
  const Result r = run(P(), steps);
  EXPECT_TRUE(r.spans.empty());
  EXPECT_EQ(r.stats.parse_errors, 0u);
}

TEST(PgSession, JoinedMidStreamAtAQuery) {
  const std::string answer = msg('T', std::string("\0\x01x\0", 4) + std::string(18, '\0')) +
                             msg('D', std::string("\0\x01\0\0\0\x01" "1", 7)) + msg('C', std::string("SELECT 1\0", 9)) + kReady;
  const std::vector<Step> steps = {server(kReady),  // the tail of an answer to something unseen
                                   client(query("SELECT x FROM t")), server(answer)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].name, "SELECT t");
  EXPECT_EQ(r.spans[0].attr("db.namespace"), "<none>");
  EXPECT_EQ(r.spans[0].attr("db.response.returned_rows"), "1");
  EXPECT_EQ(r.spans[0].end, "complete");
}

TEST(PgSession, LostAnswerEndsItsQueryAndTheNextRealigns) {
  const std::string done = msg('C', std::string("SELECT 0\0", 9)) + kReady;
  // The answer's header is cut by lost bytes: nothing frames the rest.
  const std::vector<Step> steps = {client(query("SELECT 1")), server(done.substr(0, 3)), server(done.substr(15), 0, 12),
                                   client(query("SELECT 2")), server(done)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "lost");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].resp_first_tid, 5u);
  EXPECT_EQ(r.stats.gaps, 1u);
}

TEST(PgSession, AnswerLongerThanCapturedEndsAtTheNextQuery) {
  std::string rows = msg('T', std::string(24, '\0'));
  for (int i = 0; i < 2000; ++i) rows += msg('D', std::string("\0\x01\0\0\0\x05hello", 11));
  rows += msg('C', std::string("SELECT 2000\0", 12)) + kReady;
  const std::vector<Step> steps = {client(query("SELECT v FROM big")), server(rows.substr(0, 4096), rows.size() - 4096),
                                   client(query("SELECT 1")), server(msg('C', std::string("SELECT 1\0", 9)) + kReady)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_FALSE(r.spans[0].error);
  EXPECT_EQ(r.spans[0].resp_end, kServerBase + rows.size());
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].resp_first_tid, 4u);
}

TEST(PgSession, AnswerThatFitsNothingIsALoss) {
  // A ParseComplete where a Query's answer is due.
  const std::vector<Step> steps = {client(query("SELECT 1")), server(msg('1', "")), client(query("SELECT 2")),
                                   server(msg('C', std::string("SELECT 0\0", 9)) + kReady)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "lost");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_GE(r.stats.parse_errors, 1u);
}

TEST(PgSession, ErrorInExtendedBatchSkipsToSync) {
  // Parse fails: Bind, Execute are skipped by the server; the Execute ends with the error.
  const std::string parse = msg('P', std::string("\0SELEC 1\0\0\0", 11));
  const std::string bind = msg('B', std::string("\0\0\0\0\0\0\0\0", 8));
  const std::string exec = msg('E', std::string("\0\0\0\0\0", 5));
  const std::string sync = msg('S', "");
  const std::string err = msg('E', std::string("SERROR\0C42601\0Msyntax error\0\0", 30));
  const std::vector<Step> steps = {client(parse + bind + exec + sync), server(err + kReady), client(query("SELECT 1")),
                                   server(msg('C', std::string("SELECT 1\0", 9)) + kReady)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_TRUE(r.spans[0].error);
  EXPECT_EQ(r.spans[0].attr("db.response.status_code"), "42601");
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_FALSE(r.spans[1].error);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(PgSession, CopyFromStdinIsOneSpan) {
  const std::vector<Step> steps = {
      client(query("COPY items FROM STDIN")), server(msg('G', std::string("\0\0\x01\0\0", 5))),
      client(msg('d', "1\tone\n") + msg('d', "2\ttwo\n") + msg('c', "")),
      server(msg('C', std::string("COPY 2\0", 7)) + kReady), client(query("SELECT 1")),
      server(msg('C', std::string("SELECT 1\0", 9)) + kReady)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].name, "COPY items");
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_EQ(r.spans[0].resp_last_tid, 4u);
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(PgSession, TraceparentInSqlComment) {
  const std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const std::vector<Step> steps = {client(query("SELECT 1 /*traceparent='" + tp + "'*/")),
                                   server(msg('C', std::string("SELECT 1\0", 9)) + kReady)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].traceparent, tp);
}

TEST(PgDetect, StartupSslAndWholeFrontendRuns) {
  EXPECT_EQ(P().detect(be32(8) + be32(80877103)), Detect::SentByClient);
  EXPECT_EQ(P().detect(be32(16) + be32(80877102) + be32(1) + be32(2)), Detect::SentByClient);
  const std::string startup = be32(41) + be32(196608) + std::string("user\0postgres\0database\0postgres\0\0", 33);
  EXPECT_EQ(P().detect(startup), Detect::SentByClient);
  EXPECT_EQ(P().detect(query("SELECT 1")), Detect::SentByClient);
  EXPECT_EQ(P().detect(msg('P', std::string("\0SELECT 1\0\0\0", 12)) + msg('S', "")), Detect::SentByClient);
  EXPECT_EQ(P().detect(query("SELECT 1").substr(0, 8)), Detect::No);  // not whole
  EXPECT_EQ(P().detect(msg('P', std::string("\0SELECT 1\0\0\0", 12))), Detect::No);  // no Sync / Flush
  EXPECT_EQ(P().detect(kReady), Detect::No);
  EXPECT_EQ(P().detect("GET / HTTP/1.1\r\n\r\n"), Detect::No);
  EXPECT_EQ(P().detect(be32(8) + be32(1234)), Detect::No);
}

}  // namespace
}  // namespace cs::postgres
