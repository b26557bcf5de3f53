// nginx's ordered-loop rule on real events: tests/fixtures/nginx_concurrent.cscap (curl, 32 requests 8 at
// a time -> nginx, 1 worker, upstream keep-alive -> gunicorn; recorded with --payload-bytes 512). Most
// upstream calls were made while nginx served several requests, so they are decided by the input nginx
// consumed before them. The same events with nginx's name changed (a runtime the agent knows nothing
// about) must abstain there, never link another request.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "unit/replay/fixture_chains.h"

namespace cs {
namespace {

using replay_test::load_fixture;
using replay_test::RawRecord;
using replay_test::replay;

// path -> span, per (process name, kind).
std::map<std::string, const Span*> by_name(const std::vector<Span>& spans, const char* service, SpanKind kind) {
  std::map<std::string, const Span*> out;
  for (const Span& s : spans)
    if (s.service == service && s.kind == kind) out[s.name] = &s;
  return out;
}

// Upstream calls made while nginx served more than one request.
size_t calls_while_serving_several(const std::vector<Span>& spans) {
  auto servers = by_name(spans, "nginx", SpanKind::Server);
  size_t n = 0;
  for (const Span& c : spans) {
    if (c.service != "nginx" || c.kind != SpanKind::Client) continue;
    size_t in_flight = 0;
    for (auto& [name, s] : servers) in_flight += s->start_unix_ns <= c.start_unix_ns && c.start_unix_ns <= s->end_unix_ns;
    n += in_flight > 1;
  }
  return n;
}

TEST(NginxFixture, OrderedLoopLinksEveryUpstreamCallToItsRequest) {
  auto r = replay(load_fixture("nginx_concurrent.cscap"));
  auto servers = by_name(r.spans, "nginx", SpanKind::Server);
  auto clients = by_name(r.spans, "nginx", SpanKind::Client);
  ASSERT_EQ(servers.size(), 32u);
  ASSERT_EQ(clients.size(), 32u);
  for (auto& [name, client] : clients) {
    ASSERT_TRUE(servers.count(name)) << name;
    EXPECT_EQ(client->parent_span_id, servers[name]->span_id) << name << ": nginx proxies a request to the same path";
  }
  EXPECT_GE(calls_while_serving_several(r.spans), 10u) << "the fixture must exercise the several-requests case";
  EXPECT_EQ(r.stats.ambiguous_client, 0u);
  EXPECT_EQ(r.stats.linked_in_process, 32u);
}

TEST(NginxFixture, UnknownRuntimeAbstainsWhereNginxServedSeveral) {
  auto records = load_fixture("nginx_concurrent.cscap");
  for (RawRecord& rec : records) {
    auto* h = reinterpret_cast<cs_event_header*>(rec.data());
    if (rec.size() >= sizeof(cs_event_header) && std::strncmp(h->comm, "nginx", CS_COMM_LEN) == 0)
      std::memcpy(h->comm, "gw\0\0\0", 6);
  }
  auto r = replay(records);
  auto servers = by_name(r.spans, "gw", SpanKind::Server);
  auto clients = by_name(r.spans, "gw", SpanKind::Client);
  ASSERT_EQ(clients.size(), 32u);
  size_t linked = 0;
  for (auto& [name, client] : clients) {
    if (client->parent_span_id == 0) continue;
    ++linked;
    EXPECT_EQ(client->parent_span_id, servers[name]->span_id) << name << ": linked, so to its own request";
  }
  EXPECT_GE(r.stats.ambiguous_several_requests, 10u);
  EXPECT_EQ(linked + r.stats.ambiguous_client, 32u);
}

}  // namespace
}  // namespace cs
