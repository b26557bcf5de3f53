// The Redis session on conversations recorded from redis-cli, redis-benchmark -P 16 and subscribers
// (RESP2 and RESP3), every one also cut at every point; and on lost, uncaptured and garbled bytes.
#include <gtest/gtest.h>

#include <filesystem>

#include "protocols/redis/redis_protocol.h"
#include "unit/protocols/dbtest/session_script.h"

namespace cs::redis {
namespace {

using namespace dbtest;

std::vector<Step> recorded(const std::string& name) {
  return load_conversation((std::filesystem::path(__FILE__).parent_path() / "data" / name).string());
}
const Protocol& P() { return redis_protocol(); }

std::string cmd(std::initializer_list<std::string> args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

TEST(RedisSession, RecordedRedisCliSession) {
  const auto steps = recorded("cli_session.conv");
  const Result r = run(P(), steps);
  std::vector<std::string> names;
  for (const auto& s : r.spans) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"SELECT", "SET", "GET", "INCR", "MULTI", "SET", "INCR", "EXEC", "LRANGE",
                                             "HSET", "HGETALL", "PING"}));
  ASSERT_EQ(r.spans.size(), 12u);
  for (const auto& s : r.spans) {
    EXPECT_EQ(s.end, "complete") << s.name;
    EXPECT_TRUE(s.has_response) << s.name;
    EXPECT_EQ(s.attr("db.system.name"), "redis");
  }
  EXPECT_EQ(r.spans[0].attr("db.namespace"), "<none>");  // not known before SELECT's answer
  EXPECT_EQ(r.spans[1].attr("db.namespace"), "2");
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "SET user:1 ?");
  EXPECT_EQ(r.spans[2].attr("db.query.text"), "GET user:1");
  EXPECT_TRUE(r.spans[3].error);
  EXPECT_EQ(r.spans[3].status_message, "ERR value is not an integer or out of range");
  EXPECT_EQ(r.spans[3].attr("db.response.status_code"), "ERR");
  EXPECT_EQ(r.spans[3].attr("error.type"), "ERR");
  EXPECT_FALSE(r.spans[7].error);  // EXEC
  EXPECT_EQ(r.spans[9].attr("db.query.text"), "HSET h ? ? ? ?");
  // Each reply is the segment right after its command.
  for (size_t i = 0; i < r.spans.size(); ++i) {
    EXPECT_EQ(r.spans[i].req_first_tid, 2 * i + 1);
    EXPECT_EQ(r.spans[i].resp_first_tid, 2 * i + 2);
  }
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(r.stats.unmatched_responses, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(RedisSession, RawQueryTextKeepsArgumentsButNeverAuth) {
  const std::vector<Step> steps = {client(cmd({"SET", "user:1", "secret value"})), server("+OK\r\n"),
                                   client(cmd({"AUTH", "admin", "hunter2"})), server("+OK\r\n")};
  const Result raw = run(P(), steps, Dir::Ingress, {}, true);
  ASSERT_EQ(raw.spans.size(), 2u);
  EXPECT_EQ(raw.spans[0].attr("db.query.text"), "SET user:1 secret value");
  EXPECT_EQ(raw.spans[1].attr("db.query.text"), "AUTH ? ?");
  const Result r = run(P(), steps);
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "AUTH ? ?");
}

TEST(RedisSession, RecordedPipelinedBenchmarkPairsEveryCommand) {
  const auto steps = recorded("benchmark_p16.conv");
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 48u);
  for (size_t i = 0; i < r.spans.size(); ++i) {
    EXPECT_EQ(r.spans[i].name, "SET");
    EXPECT_EQ(r.spans[i].end, "complete");
    EXPECT_EQ(r.spans[i].attr("db.query.text"), "SET key:__rand_int__ ?");
    // 16 commands per write, 16 replies per read: batch k's replies are in the read after its write.
    EXPECT_EQ(r.spans[i].req_first_tid, 2 * (i / 16) + 1);
    EXPECT_EQ(r.spans[i].resp_first_tid, 2 * (i / 16) + 2);
    EXPECT_EQ(r.spans[i].resp_end - r.spans[i].resp_start, 5u);  // "+OK\r\n"
  }
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(RedisSession, RecordedResp2SubscriberPushesAnswerNothing) {
  const auto steps = recorded("subscribe_resp2.conv");
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].name, "SUBSCRIBE");
  EXPECT_EQ(r.spans[0].attr("db.query.text"), "SUBSCRIBE news ?");
  EXPECT_EQ(r.spans[0].resp_end - r.spans[0].resp_start, 33u);  // the first confirmation only
  EXPECT_EQ(r.stats.unmatched_responses, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
  // Closing with the subscription open reports nothing more.
  auto closed = steps;
  closed.push_back(close_conn());
  EXPECT_EQ(run(P(), closed).spans.size(), 1u);
}

TEST(RedisSession, RecordedResp3SubscribeIsAnsweredByItsPush) {
  const auto steps = recorded("subscribe_resp3.conv");
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].name, "HELLO");
  EXPECT_EQ(r.spans[0].attr("db.query.text"), "HELLO ?");
  EXPECT_EQ(r.spans[1].name, "SUBSCRIBE");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.stats.unmatched_responses, 0u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(RedisSession, ResubscribedChannelsAndMessagesInResp2) {
  // UNSUBSCRIBE of two channels: two confirmations, the last with count 0; then a normal command whose
  // array reply starts with "message" is a reply again, not a push.
  const std::vector<Step> steps = {
      client(cmd({"SUBSCRIBE", "a", "b"})),
      server("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"),
      server("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"),
      client(cmd({"UNSUBSCRIBE"})),
      server("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n"),
      client(cmd({"LRANGE", "l", "0", "-1"})),
      server("*2\r\n$7\r\nmessage\r\n$1\r\nx\r\n"),
  };
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 3u);
  EXPECT_EQ(r.spans[2].name, "LRANGE");
  EXPECT_EQ(r.spans[2].resp_first_tid, 7u);
  EXPECT_EQ(check_split_invariance(P(), steps), "");
}

TEST(RedisSession, BulkLongerThanCapturedIsSkippedByLength) {
  const std::string big(10000, 'v');
  const std::string set = cmd({"SET", "k", big});
  const std::string get_reply = "$10000\r\n" + big + "\r\n";
  const std::vector<Step> steps = {
      client(set.substr(0, 100), set.size() - 100), server("+OK\r\n"), client(cmd({"GET", "k"})),
      server(get_reply.substr(0, 50), get_reply.size() - 50), client(cmd({"PING"})), server("+PONG\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 3u);
  for (const auto& s : r.spans) EXPECT_EQ(s.end, "complete") << s.name;
  EXPECT_EQ(r.spans[0].attr("db.query.text"), "SET k ?");
  EXPECT_EQ(r.spans[1].resp_end - r.spans[1].resp_start, get_reply.size());
  EXPECT_EQ(r.spans[2].name, "PING");
  EXPECT_EQ(r.stats.parse_errors, 0u);
}

TEST(RedisSession, NestedReplyLongerThanCapturedEndsAtTheNextCommand) {
  // HGETALL of a big hash: one read of 20000 bytes, 4096 captured; its framing lies in bytes not copied.
  std::string reply = "*1000\r\n";
  for (int i = 0; i < 1000; ++i) reply += "$16\r\nfield-and-value!\r\n";
  const std::vector<Step> steps = {client(cmd({"HGETALL", "h"})), server(reply.substr(0, 4096), reply.size() - 4096),
                                   client(cmd({"GET", "k"})), server("$1\r\nv\r\n"), client(cmd({"HGETALL", "h"})),
                                   server(reply.substr(0, 4096), reply.size() - 4096), close_conn()};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 3u);
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_FALSE(r.spans[0].error);
  EXPECT_EQ(r.spans[0].resp_start, kServerBase);
  EXPECT_EQ(r.spans[0].resp_end, kServerBase + reply.size());
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].resp_first_tid, 4u);
  EXPECT_EQ(r.spans[2].end, "complete");  // ended by the close
  EXPECT_EQ(r.stats.parse_errors, 0u);
}

TEST(RedisSession, LostCommandOnAlternatingConnectionDropsOnlyItself) {
  // GET a answered; GET b was in lost events (its reply arrives); GET c pairs with its own reply.
  const std::string get_b = cmd({"GET", "b"});
  const std::vector<Step> steps = {client(cmd({"GET", "a"})), server("$1\r\na\r\n"), server("$1\r\nb\r\n"),
                                   client(cmd({"GET", "c"}), 0, get_b.size()), server("$1\r\nc\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].attr("db.query.text"), "GET a");
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "GET c");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[1].resp_first_tid, 5u);
  EXPECT_EQ(r.stats.gaps, 1u);
}

TEST(RedisSession, LostReplyBytesEndTheirCommandAndRealign) {
  const std::vector<Step> steps = {client(cmd({"GET", "a"})), server("$10\r\n01234"),
                                   server("\r\n", 0, 5),  // the rest of the value was lost
                                   client(cmd({"GET", "b"})), server("$1\r\nb\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  // The gap lay inside the bulk string: its length still frames it, nothing is lost.
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_EQ(r.spans[1].end, "complete");

  const std::vector<Step> cut = {client(cmd({"GET", "a"})), server("*3\r\n:1\r\n"), server(":3\r\n", 0, 4),
                                 client(cmd({"GET", "b"})), server("$1\r\nb\r\n")};
  const Result c = run(P(), cut);
  ASSERT_EQ(c.spans.size(), 2u);
  EXPECT_EQ(c.spans[0].end, "lost");
  EXPECT_EQ(c.spans[1].end, "complete");
  EXPECT_EQ(c.spans[1].resp_first_tid, 5u);
}

TEST(RedisSession, GarbageRepliesRealignAtTheNextCommand) {
  const std::vector<Step> steps = {client(cmd({"GET", "a"})), server("?what\r\n"), client(cmd({"GET", "b"})),
                                   server("$1\r\nb\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].end, "lost");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.stats.parse_errors, 1u);
}

TEST(RedisSession, PipeliningConnectionThatLostBytesNeverPairsAgain) {
  const std::string two = cmd({"GET", "a"}) + cmd({"GET", "b"});
  const std::vector<Step> steps = {client(two), server("$1\r\na\r\n$1\r\nb\r\n"),
                                   client(cmd({"GET", "c"}), 0, 20),  // something was lost before
                                   server("$1\r\nx\r\n$1\r\nc\r\n"), client(cmd({"GET", "d"})), server("$1\r\nd\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 4u);
  EXPECT_EQ(r.spans[0].end, "complete");
  EXPECT_EQ(r.spans[1].end, "complete");
  EXPECT_EQ(r.spans[2].end, "lost");  // which reply is its own cannot be known
  EXPECT_EQ(r.spans[3].end, "lost");
}

TEST(RedisSession, ReplyBeforeAnyCommandIsIgnoredAndCloseEndsPending) {
  const std::vector<Step> steps = {server("+OK\r\n"), client(cmd({"BLPOP", "q", "0"})), close_conn(true)};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].end, "reset");
}

TEST(RedisSession, InlineCommands) {
  const std::vector<Step> steps = {client("PING\r\nSET k v\r\n"), server("+PONG\r\n+OK\r\n")};
  const Result r = run(P(), steps);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[1].attr("db.query.text"), "SET k ?");
}

TEST(RedisDetect, CommandArraysOnly) {
  EXPECT_EQ(P().detect(cmd({"GET", "a"})), Detect::SentByClient);
  EXPECT_EQ(P().detect(cmd({"CLIENT", "SETNAME", "x"})), Detect::SentByClient);
  EXPECT_EQ(P().detect("*1\r\n$4\r\nPI"), Detect::No);  // the name is not whole
  EXPECT_EQ(P().detect("+OK\r\n"), Detect::No);
  EXPECT_EQ(P().detect("PING\r\n"), Detect::No);
  EXPECT_EQ(P().detect("*2\r\n$3\r\nG\x01T\r\n"), Detect::No);
  EXPECT_EQ(P().detect("GET / HTTP/1.1\r\n\r\n"), Detect::No);
  EXPECT_EQ(P().detect("*3\r\n:1\r\n:2\r\n:3\r\n"), Detect::No);  // a reply
}

}  // namespace
}  // namespace cs::redis
