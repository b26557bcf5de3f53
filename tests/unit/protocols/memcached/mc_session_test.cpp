// The memcached session on a conversation recorded from a text-protocol client (classic and meta
// commands, noreply, a quiet pipeline ended by mn), also cut at every point; and on lost bytes, pipelines
// and detection.
#include <gtest/gtest.h>

#include <filesystem>

#include "protocols/memcached/mc_protocol.h"
#include "unit/protocols/dbtest/session_script.h"

namespace cs::memcached {
namespace {

using namespace dbtest;

std::vector<Step> recorded(const std::string& name) {
  return load_conversation((std::filesystem::path(__FILE__).parent_path() / "data" / name).string());
}
const Protocol& P() { return memcached_protocol(); }

TEST(McSession, RecordedClassicAndMetaCommands) {
  const auto steps = recorded("classic_and_meta.conv");
  const Result r = run(P(), steps);
  std::vector<std::string> names;
  for (const auto& s : r.spans) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"set", "set", "get", "get", "delete", "incr", "set", "ms", "mg", "md",
                                             "mn", "ms", "mg", "mg", "mn"}));
  ASSERT_EQ(r.spans.size(), 15u);
  EXPECT_EQ(r.spans[0].attr("db.query.text"), "set a ? ? ?");
  EXPECT_EQ(r.spans[0].attr("db.response.status_code"), "STORED");
  EXPECT_EQ(r.spans[2].attr("db.query.text"), "get a b");
  EXPECT_EQ(r.spans[2].attr("db.response.returned_rows"), "2");
  EXPECT_EQ(r.spans[2].resp_end - r.spans[2].resp_start, 43u);  // both VALUE blocks and END
  EXPECT_EQ(r.spans[3].attr("db.response.returned_rows"), "0");
  EXPECT_TRUE(r.spans[5].error);
  EXPECT_EQ(r.spans[5].attr("error.type"), "CLIENT_ERROR");
  // noreply: its request only.
  EXPECT_FALSE(r.spans[6].has_response);
  EXPECT_EQ(r.spans[6].attr("db.query.text"), "set c ? ? ? noreply");
  EXPECT_EQ(r.spans[7].attr("db.query.text"), "ms d ? T?");
  EXPECT_EQ(r.spans[8].attr("db.response.status_code"), "VA");
  // The quiet pipeline: ms / mg / mg with q get nothing paired, the VA reply is consumed, mn gets MN.
  for (int i = 11; i < 14; ++i) EXPECT_FALSE(r.spans[i].has_response) << i;
  EXPECT_EQ(r.spans[14].attr("db.response.status_code"), "MN");
  EXPECT_EQ(r.spans[14].resp_end - r.spans[14].resp_start, 4u);
  for (const auto& s : r.spans) {
    EXPECT_EQ(s.end, "complete");
    EXPECT_EQ(s.attr("db.system.name"), "memcached");
  }
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(r.stats.unmatched_responses, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(McSession, PipelinedGetsPairInOrder) {
  const std::vector<Step> steps = {client("get a\r\nget b\r\nversion\r\n"),
                                   server("VALUE a 0 1\r\n1\r\nEND\r\nEND\r\nVERSION 1.6.18\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 3u);
  EXPECT_EQ(r.spans[0].attr("db.response.returned_rows"), "1");
  EXPECT_EQ(r.spans[1].attr("db.response.returned_rows"), "0");
  EXPECT_EQ(r.spans[2].attr("db.response.status_code"), "VERSION");
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(McSession, GetsAndCas) {
  const std::vector<Step> steps = {client("gets a b c\r\n"),
                                   server("VALUE a 0 1 11\r\n1\r\nVALUE c 0 2 12\r\nxy\r\nEND\r\n"),
                                   client("cas a 0 0 1 11\r\n2\r\n"), server("STORED\r\n"),
                                   client("cas a 0 0 1 11\r\n3\r\n"), server("EXISTS\r\n"),
                                   client("touch c 10\r\ndecr x 1\r\n"), server("TOUCHED\r\nNOT_FOUND\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 5u);
  EXPECT_EQ(r.spans[0].attr("db.query.text"), "gets a b c");
  EXPECT_EQ(r.spans[0].attr("db.response.returned_rows"), "2");
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "cas a ? ? ? ?");
  EXPECT_EQ(r.spans[2].attr("db.response.status_code"), "EXISTS");
  EXPECT_FALSE(r.spans[2].error);
  EXPECT_EQ(r.spans[3].attr("db.query.text"), "touch c ?");
  EXPECT_EQ(r.spans[4].attr("db.response.status_code"), "NOT_FOUND");
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(McSession, ValueLongerThanCapturedIsSkippedByLength) {
  const std::string value(5000, 'x');
  const std::string reply = "VALUE big 0 5000\r\n" + value + "\r\nEND\r\n";
  const std::vector<Step> steps = {client("get big\r\n"), server(reply.substr(0, 100), reply.size() - 100),
                                   client("get k\r\n"), server("END\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  // The END after the value was not captured: the reply ends where its bytes end, still framed.
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].resp_first_tid, 4u);
}

TEST(McSession, LostCommandRealignsOnAlternatingConnection) {
  const std::vector<Step> steps = {client("get a\r\n"), server("END\r\n"), server("END\r\n"),
                                   client("get c\r\n", 0, 7), server("VALUE c 0 1\r\nc\r\nEND\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "get c");
  EXPECT_EQ(r.spans[1].attr("db.response.returned_rows"), "1");
  EXPECT_EQ(r.spans[1].end, "complete");
}

TEST(McDetect, CommandLines) {
  EXPECT_EQ(P().detect("get a b\r\n"), Detect::SentByClient);
  EXPECT_EQ(P().detect("set a 0 0 5\r\nhello\r\n"), Detect::SentByClient);
  EXPECT_EQ(P().detect("mg key v t\r\n"), Detect::SentByClient);
  EXPECT_EQ(P().detect("mn\r\n"), Detect::SentByClient);
  EXPECT_EQ(P().detect("set a x 0 5\r\n"), Detect::No);
  EXPECT_EQ(P().detect("get a"), Detect::No);  // no line end
  EXPECT_EQ(P().detect("GET / HTTP/1.1\r\n"), Detect::No);
  EXPECT_EQ(P().detect("STORED\r\n"), Detect::No);
  EXPECT_EQ(P().detect("hello world\r\n"), Detect::No);
}

}  // namespace
}  // namespace cs::memcached
