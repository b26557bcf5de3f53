// Data-store protocol sessions alone (parse and pair, optionally describe each exchange as a span):
// 1000 commands per connection in the segments a client library writes and reads, fed straight to one
// session (no record decoding, connection tracking, correlation or output). items_per_second = commands
// per CPU second; ns per command = 1e9 / items_per_second.
//   BM_Db<Proto>/0: parse + pair;  /1: + Exchange::describe (the span's name, query text, attributes)
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "protocols/memcached/mc_protocol.h"
#include "protocols/mysql/mysql_protocol.h"
#include "protocols/postgres/pg_protocol.h"
#include "protocols/redis/redis_protocol.h"

namespace cs::bench {
namespace {

constexpr int kCommands = 1000;

struct Conversation {
  std::vector<std::pair<bool, std::string>> segments;  // (from client, bytes)
};

class DescribingSink : public ExchangeSink {
 public:
  explicit DescribingSink(bool describe) : describe_(describe) {}
  void request_complete(const Message&, Dir) override {}
  void response_started(const Message&, Dir, const SyscallMeta&) override {}
  void exchange_complete(const Exchange& e, Dir) override {
    exchanges += e.has_response;
    if (describe_) {
      SpanFields f;
      e.describe(ExchangeContext{SpanKind::Client, "127.0.0.1", 6379, "127.0.0.1", 40000}, f);
      benchmark::DoNotOptimize(f.attributes.data());
    }
  }
  uint64_t exchanges = 0;

 private:
  bool describe_;
};

std::string be32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string pg(char t, const std::string& body) { return std::string(1, t) + be32(body.size() + 4) + body; }
std::string my(uint8_t seq, const std::string& body) {
  const size_t n = body.size();
  return std::string{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff), static_cast<char>(n >> 16),
                     static_cast<char>(seq)} + body;
}

Conversation redis_get() {
  Conversation c;
  for (int i = 0; i < kCommands; ++i) {
    const std::string key = "key:" + std::to_string(100000 + i);
    c.segments.push_back({true, "*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n"});
    c.segments.push_back({false, "$3\r\nabc\r\n"});
  }
  return c;
}
Conversation redis_pipelined16() {
  Conversation c;
  std::string req, rep;
  for (int i = 0; i < kCommands; ++i) {
    req += "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n";
    rep += "+OK\r\n";
    if (i % 16 == 15 || i + 1 == kCommands) {
      c.segments.push_back({true, req});
      c.segments.push_back({false, rep});
      req.clear();
      rep.clear();
    }
  }
  return c;
}
Conversation pg_extended() {
  Conversation c;
  const std::string z = pg('Z', "I");
  for (int i = 0; i < kCommands; ++i) {
    const std::string sql = "SELECT name FROM items WHERE id = $1";
    std::string req = pg('P', std::string(1, '\0') + sql + std::string("\0\0\x01\0\0\0\x17", 8)) +
                      pg('B', std::string("\0\0\0\x01\0\x01\0\x01\0\0\0\x04\0\0\0\x07\0\x01\0\x01", 22)) +
                      pg('D', std::string("P\0", 2)) + pg('E', std::string("\0\0\0\0\0", 5)) + pg('S', "");
    std::string rep = pg('1', "") + pg('2', "") + pg('T', std::string(1, '\0') + std::string("\x01name\0", 6) + std::string(18, '\0')) +
                      pg('D', std::string("\0\x01\0\0\0\x06item-7", 12)) + pg('C', std::string("SELECT 1\0", 9)) + z;
    c.segments.push_back({true, req});
    c.segments.push_back({false, rep});
  }
  return c;
}
Conversation mysql_query() {
  Conversation c;
  c.segments.push_back({true, my(0, "\x03SELECT 1")});  // joined mid-stream: starts at a command
  c.segments.push_back({false, my(1, std::string("\0\0\0\x02\0\0\0", 7))});
  for (int i = 1; i < kCommands; ++i) {
    c.segments.push_back({true, my(0, "\x03SELECT name FROM items WHERE id = " + std::to_string(i))});
    c.segments.push_back({false, my(1, "\x01") + my(2, std::string(40, 'c')) + my(3, std::string("\xfe\0\0\x02\0", 5)) +
                                     my(4, "\x06item-7") + my(5, std::string("\xfe\0\0\x02\0", 5))});
  }
  return c;
}
Conversation memcached_get() {
  Conversation c;
  for (int i = 0; i < kCommands; ++i) {
    c.segments.push_back({true, "get key:" + std::to_string(100000 + i) + "\r\n"});
    c.segments.push_back({false, "VALUE key:" + std::to_string(100000 + i) + " 0 3\r\nabc\r\nEND\r\n"});
  }
  return c;
}

void run(benchmark::State& state, const Protocol& proto, const Conversation& conv) {
  const bool describe = state.range(0) != 0;
  uint64_t exchanges = 0;
  for (auto _ : state) {
    DescribingSink sink(describe);
    auto session = proto.create_session(Dir::Egress, sink);
    uint64_t pos[2] = {1000, 500000};
    uint32_t n = 0;
    for (const auto& [client, bytes] : conv.segments) {
      Segment seg;
      seg.pos = pos[client ? 0 : 1];
      seg.len = static_cast<uint32_t>(bytes.size());
      seg.captured = bytes;
      seg.meta = SyscallMeta{++n, n, 1, 1, 0};
      pos[client ? 0 : 1] += bytes.size();
      session->on_segment(client ? Dir::Egress : Dir::Ingress, seg);
    }
    session->on_close(n + 1, false);
    exchanges = sink.exchanges;
  }
  if (exchanges < kCommands - 1) state.SkipWithError("not every command was paired");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kCommands);
}

void BM_DbRedisGet(benchmark::State& s) { static const auto c = redis_get(); run(s, redis::redis_protocol(), c); }
void BM_DbRedisPipelined16(benchmark::State& s) { static const auto c = redis_pipelined16(); run(s, redis::redis_protocol(), c); }
void BM_DbPostgresExtended(benchmark::State& s) { static const auto c = pg_extended(); run(s, postgres::pg_protocol(), c); }
void BM_DbMysqlQuery(benchmark::State& s) { static const auto c = mysql_query(); run(s, mysql::mysql_protocol(), c); }
void BM_DbMemcachedGet(benchmark::State& s) { static const auto c = memcached_get(); run(s, memcached::memcached_protocol(), c); }

BENCHMARK(BM_DbRedisGet)->Arg(0)->Arg(1);
BENCHMARK(BM_DbRedisPipelined16)->Arg(0)->Arg(1);
BENCHMARK(BM_DbPostgresExtended)->Arg(0)->Arg(1);
BENCHMARK(BM_DbMysqlQuery)->Arg(0)->Arg(1);
BENCHMARK(BM_DbMemcachedGet)->Arg(0)->Arg(1);

}  // namespace
}  // namespace cs::bench
