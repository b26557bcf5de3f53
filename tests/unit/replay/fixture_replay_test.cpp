// Recorded real traffic (tests/fixtures/*.cscap, see tests/fixtures/README.md) replayed through the whole
// userspace pipeline: exact chain shapes, counts and link statistics.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "unit/replay/fixture_chains.h"

namespace cs {
namespace {

using replay_test::chains;
using replay_test::int_attr;
using replay_test::load_fixture;
using replay_test::replay;

std::string flask_ok(const std::string& item) {
  return "curl:client:GET /a/" + item + ":200:ok:18183 > python3:server:GET /a/" + item +
         ":200:ok:18183 > python3:client:GET /b/" + item + ":200:ok:18184 > python3:server:GET /b/" + item +
         ":200:ok:18184";
}
const std::string kFlaskErr =
    "curl:client:GET /err:502:error:18183 > python3:server:GET /err:502:error:18183 > "
    "python3:client:GET /fail:500:error:18184 > python3:server:GET /fail:500:error:18184";

std::string nginx_chain(const std::string& path, int code) {
  std::string c = std::to_string(code) + (code >= 500 ? ":error" : ":ok");
  return "curl:client:GET " + path + ":" + c + ":18187 > nginx:server:GET " + path + ":" + c +
         ":18187 > nginx:client:GET " + path + ":" + c + ":18188 > gunicorn:server:GET " + path + ":" + c + ":18188";
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// curl -> Flask A (port 18183) -> Flask B (port 18184): GET /a/item0..4, then GET /err (B answers 500).
// Werkzeug closes every connection: each call is a fresh connect/accept pair.
TEST(FixtureReplay, FlaskChainExactShapes) {
  CaptureHeader header;
  auto records = load_fixture("flask_chain.cscap", &header);
  ASSERT_FALSE(records.empty());
  auto r = replay(records, 42, header.mono_to_unix_ns);
  EXPECT_EQ(chains(r.spans), sorted({flask_ok("item0"), flask_ok("item1"), flask_ok("item2"), flask_ok("item3"),
                                     flask_ok("item4"), kFlaskErr}));
  EXPECT_EQ(r.spans.size(), 24u);
  EXPECT_EQ(r.stats.records, records.size());
  EXPECT_EQ(r.stats.bad_records, 0u);
  EXPECT_EQ(r.stats.spans_server, 12u);
  EXPECT_EQ(r.stats.spans_client, 12u);
  EXPECT_EQ(r.stats.linked_cross_process, 12u);  // every server span has its traced client
  EXPECT_EQ(r.stats.linked_in_process, 6u);      // every A->B call under its A request
  EXPECT_EQ(r.stats.unlinked_client, 6u);        // curl's own requests are roots
  EXPECT_EQ(r.stats.unlinked_server, 0u);
  EXPECT_EQ(r.stats.stream_gaps, 0u);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(r.stats.connections_live, 0u);
  EXPECT_EQ(r.stats.spans_dropped, 0u);

  // A's server span and its client span run on the same thread of the same process; B is another process.
  std::set<uint32_t> a_pids, b_pids;
  for (const auto& s : r.spans) {
    EXPECT_GT(s.start_unix_ns, 1'000'000'000ULL * 1'000'000'000ULL) << "timestamps are Unix time";
    EXPECT_LE(s.start_unix_ns, s.end_unix_ns);
    if (s.service != "python3") continue;
    (int_attr(s, "server.port") == 18183 || s.kind == SpanKind::Client ? a_pids : b_pids).insert(s.pid);
    if (s.kind == SpanKind::Client) {
      const Span* parent = nullptr;
      for (const auto& p : r.spans)
        if (p.span_id == s.parent_span_id) parent = &p;
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->tid, s.tid) << "A's call to B comes from the thread serving the request";
    }
  }
  EXPECT_EQ(a_pids.size(), 1u);
  EXPECT_EQ(b_pids.size(), 1u);
  EXPECT_NE(*a_pids.begin(), *b_pids.begin());
}

// curl -> nginx (port 18187, 1 worker) -> gunicorn (port 18188) over ONE upstream keep-alive connection
// that was opened before the recording started (no connect/accept seen for it): /b/k0..k3, then /fail.
TEST(FixtureReplay, NginxKeepAliveUpstreamExactShapes) {
  CaptureHeader header;
  auto records = load_fixture("nginx_keepalive.cscap", &header);
  ASSERT_FALSE(records.empty());
  auto r = replay(records, 42, header.mono_to_unix_ns);
  EXPECT_EQ(chains(r.spans), sorted({nginx_chain("/b/k0", 200), nginx_chain("/b/k1", 200), nginx_chain("/b/k2", 200),
                                     nginx_chain("/b/k3", 200), nginx_chain("/fail", 500)}));
  EXPECT_EQ(r.spans.size(), 20u);
  EXPECT_EQ(r.stats.linked_cross_process, 10u);
  EXPECT_EQ(r.stats.linked_in_process, 5u);
  EXPECT_EQ(r.stats.stream_gaps, 0u);
  EXPECT_EQ(r.stats.bad_records, 0u);
  EXPECT_EQ(r.stats.connections_live, 0u);
  // One upstream connection: every nginx client span has the same client port.
  std::set<int64_t> upstream_ports;
  for (const auto& s : r.spans)
    if (s.service == "nginx" && s.kind == SpanKind::Client) upstream_ports.insert(int_attr(s, "client.port"));
  EXPECT_EQ(upstream_ports.size(), 1u);
}

TEST(FixtureReplay, SameSeedSameIdsOtherSeedOtherIds) {
  auto records = load_fixture("flask_chain.cscap");
  auto a = replay(records, 42), b = replay(records, 42), c = replay(records, 43);
  ASSERT_EQ(a.spans.size(), b.spans.size());
  ASSERT_EQ(a.spans.size(), c.spans.size());
  for (size_t i = 0; i < a.spans.size(); ++i) {
    EXPECT_EQ(a.spans[i].span_id, b.spans[i].span_id);
    EXPECT_EQ(a.spans[i].parent_span_id, b.spans[i].parent_span_id);
    EXPECT_EQ(a.spans[i].trace_id.hex(), b.spans[i].trace_id.hex());
    EXPECT_EQ(a.spans[i].start_unix_ns, c.spans[i].start_unix_ns) << "only ids depend on the seed";
    EXPECT_NE(a.spans[i].span_id, c.spans[i].span_id);
  }
  EXPECT_EQ(chains(a.spans), chains(c.spans));
}

// The reader gives the same records from a file and from the same bytes in memory, and every record's
// own header.size equals its length prefix.
TEST(FixtureReplay, ReaderIsConsistentFromFileAndMemory) {
  for (const char* name : {"flask_chain.cscap", "nginx_keepalive.cscap"}) {
    auto from_file = load_fixture(name);
    std::string path = replay_test::fixture_path(name);
    FILE* f = fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    std::vector<uint8_t> bytes;
    uint8_t buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
    fclose(f);
    EXPECT_LT(bytes.size(), 200u * 1024) << name << ": keep fixtures small";
    CaptureReader reader;
    std::string error;
    ASSERT_TRUE(reader.open_memory(bytes.data(), bytes.size(), error, name)) << error;
    CaptureRecord rec;
    size_t i = 0;
    while (reader.next(rec)) {
      ASSERT_LT(i, from_file.size());
      EXPECT_EQ(std::vector<uint8_t>(rec.data, rec.data + rec.size), from_file[i]) << name << " record " << i;
      cs_event_header h;  // records in the reader's buffer are not 8-byte aligned: copy the header out
      std::memcpy(&h, rec.data, sizeof h);
      EXPECT_EQ(h.size, rec.size);
      ++i;
    }
    EXPECT_EQ(i, from_file.size());
    EXPECT_TRUE(reader.has_trailer());
    EXPECT_EQ(reader.trailer().records, from_file.size());
    EXPECT_EQ(reader.trailer().counters[CS_STAT_RINGBUF_DROPS], 0u) << name << " was recorded with losses";
  }
}

}  // namespace
}  // namespace cs
