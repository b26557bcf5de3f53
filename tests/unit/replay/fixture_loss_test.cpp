// Recorded real traffic with events taken out (as when the kernel ring buffer overflows): the pipeline
// must not crash, must count the holes in stats.stream_gaps, and the chains after a hole must be complete
// and right.
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <set>

#include "unit/replay/fixture_chains.h"

namespace cs {
namespace {

using replay_test::chains;
using replay_test::is_data;
using replay_test::load_fixture;
using replay_test::payload_of;
using replay_test::RawRecord;
using replay_test::replay;

std::string nginx_chain(const std::string& path, int code) {
  std::string c = std::to_string(code) + (code >= 500 ? ":error" : ":ok");
  return "curl:client:GET " + path + ":" + c + ":18187 > nginx:server:GET " + path + ":" + c +
         ":18187 > nginx:client:GET " + path + ":" + c + ":18188 > gunicorn:server:GET " + path + ":" + c + ":18188";
}

bool on_port(const RawRecord& r, uint16_t port) {
  if (!is_data(r)) return false;
  const auto* e = reinterpret_cast<const cs_data_event*>(r.data());
  return e->sock.tuple.local.port == port || e->sock.tuple.remote.port == port;
}

std::vector<RawRecord> without(const std::vector<RawRecord>& in, const std::function<bool(const RawRecord&)>& drop,
                               size_t* dropped = nullptr) {
  std::vector<RawRecord> out;
  for (const auto& r : in)
    if (!drop(r)) out.push_back(r);
  if (dropped) *dropped = in.size() - out.size();
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A chain without status codes and statuses (those legitimately change when a response is lost).
std::string shape(const std::string& chain) {
  static const std::regex code_status(":-?[0-9]+:(ok|error):");
  return std::regex_replace(chain, code_status, ":");
}

// The requests a chain's span names refer to (last path segment; B's /fail belongs to A's /err). More
// than one means spans of different requests were linked together.
std::set<std::string> requests_in(const std::string& chain) {
  static const std::regex name("GET /[^ :]*?([^/ :]+):");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(chain.begin(), chain.end(), name); it != std::sregex_iterator(); ++it) {
    std::string key = (*it)[1];
    out.insert(key == "err" ? "fail" : key);
  }
  return out;
}

// The request /b/k1 on nginx's keep-alive upstream connection is lost (nginx's write and gunicorn's read):
// the next request on that connection starts past a hole in the stream. k0 before and k2, k3, /fail
// after must still be exact chains.
TEST(FixtureLoss, RequestLostOnKeepAliveUpstream) {
  auto records = load_fixture("nginx_keepalive.cscap");
  size_t dropped = 0;
  auto lossy = without(records, [](const RawRecord& r) {
    return on_port(r, 18188) && payload_of(r).find("GET /b/k1 ") != std::string::npos;
  }, &dropped);
  ASSERT_EQ(dropped, 2u) << "nginx's upstream write and gunicorn's read of /b/k1";
  auto r = replay(lossy);
  auto got = chains(r.spans);
  for (const auto& want : {nginx_chain("/b/k0", 200), nginx_chain("/b/k2", 200), nginx_chain("/b/k3", 200),
                           nginx_chain("/fail", 500)})
    EXPECT_TRUE(contains(got, want)) << "missing " << want << "\n got:\n" << ::testing::PrintToString(got);
  EXPECT_GE(r.stats.stream_gaps, 1u);
  EXPECT_GT(r.stats.stream_gap_bytes, 0u);
  EXPECT_EQ(r.stats.connections_live, 0u);
  // Nothing about /b/k1 may be attached below another request's spans.
  for (const auto& c : got) {
    if (c.find("/b/k1") == std::string::npos) continue;
    for (const char* other : {"/b/k0", "/b/k2", "/b/k3", "/fail"})
      EXPECT_EQ(c.find(other), std::string::npos) << "cross-linked: " << c;
  }
}

// gunicorn's response to /b/k1 is lost (its write and nginx's read): the response stream has a hole before
// the answer to /b/k2. The answer to k2 must not be taken for k1's, and k2, k3, /fail must be exact.
// Without the lost-response rule in Http1Session every later answer would shift by one request (k1 gets
// k2's answer, k2 gets k3's, ...); with it, k1's upstream call ends as an error "response lost".
TEST(FixtureLoss, ResponseLostOnKeepAliveUpstream) {
  auto records = load_fixture("nginx_keepalive.cscap");
  // The upstream response records between the request /b/k1 and the request /b/k2 on port 18188.
  bool in_window = false;
  size_t dropped = 0;
  std::vector<RawRecord> lossy;
  for (const auto& r : records) {
    std::string p = payload_of(r);
    if (on_port(r, 18188) && p.find("GET /b/k1 ") != std::string::npos) in_window = true;
    if (on_port(r, 18188) && p.find("GET /b/k2 ") != std::string::npos) in_window = false;
    if (in_window && on_port(r, 18188) && p.rfind("HTTP/1.", 0) == 0) {
      ++dropped;
      continue;
    }
    lossy.push_back(r);
  }
  ASSERT_GE(dropped, 2u) << "gunicorn's write and nginx's read of the response to /b/k1";
  auto r = replay(lossy);
  auto got = chains(r.spans);
  for (const auto& want : {nginx_chain("/b/k0", 200), nginx_chain("/b/k2", 200), nginx_chain("/b/k3", 200),
                           nginx_chain("/fail", 500)})
    EXPECT_TRUE(contains(got, want)) << "missing " << want << "\n got:\n" << ::testing::PrintToString(got);
  EXPECT_GE(r.stats.stream_gaps, 1u);
  EXPECT_EQ(r.stats.connections_live, 0u);
  bool k1_lost = false;
  for (const auto& c : got) {
    EXPECT_EQ(c.find("nginx:client:GET /b/k1:200"), std::string::npos)
        << "k1's upstream call must not get the answer of another request: " << c;
    k1_lost |= c.find("nginx:client:GET /b/k1:-1:error") != std::string::npos;
  }
  EXPECT_TRUE(k1_lost) << "k1's upstream call ends as an error without a status code";
}

// Every Nth data record dropped, for several N, on both fixtures: no crash, all connections released,
// holes counted, every complete chain (4 levels) has the shape of a chain of the loss-free replay (codes
// and statuses may change: a lost response makes an error), and no trace mixes spans of two requests.
TEST(FixtureLoss, EveryNthDataRecordDropped) {
  // The checks below can fail:
  ASSERT_EQ(requests_in("curl:client:GET /a/item1:200:ok:1 > python3:server:GET /b/item2:200:ok:2").size(), 2u);
  ASSERT_EQ(requests_in("curl:client:GET /err:502:error:1 > python3:client:GET /fail:500:error:2").size(), 1u);
  ASSERT_EQ(shape("a:client:GET /x:-1:error:18187 > b"), "a:client:GET /x:18187 > b");
  uint64_t total_gaps = 0;
  for (const char* name : {"flask_chain.cscap", "nginx_keepalive.cscap"}) {
    auto records = load_fixture(name);
    std::vector<std::string> clean;
    for (const auto& c : chains(replay(records).spans)) clean.push_back(shape(c));
    for (size_t n : {2, 3, 4, 5, 7, 11}) {
      for (size_t phase = 0; phase < n; phase += (n > 4 ? 2 : 1)) {
        size_t i = 0;
        auto lossy = without(records, [&](const RawRecord& r) { return is_data(r) && (i++ % n) == phase; });
        auto r = replay(lossy);
        SCOPED_TRACE(std::string(name) + " n=" + std::to_string(n) + " phase=" + std::to_string(phase));
        EXPECT_EQ(r.stats.connections_live, 0u);
        EXPECT_EQ(r.stats.bad_records, 0u);
        EXPECT_LE(r.spans.size(), 24u);
        total_gaps += r.stats.stream_gaps;
        for (const auto& c : chains(r.spans)) {
          EXPECT_LE(requests_in(c).size(), 1u) << "spans of different requests linked: " << c;
          size_t levels = std::count(c.begin(), c.end(), '>') + 1;
          if (c.rfind("BROKEN", 0) == 0 || levels != 4) continue;
          EXPECT_TRUE(contains(clean, shape(c))) << "complete chain not in the loss-free replay: " << c;
        }
      }
    }
  }
  EXPECT_GT(total_gaps, 0u) << "dropping data records never produced a counted stream gap";
}

// A window of consecutive records (every kind) lost in the middle of the Flask capture: the requests
// wholly after the window are exact chains.
TEST(FixtureLoss, WindowLostThenLaterRequestsExact) {
  auto records = load_fixture("flask_chain.cscap");
  // Find where the request for item2 starts (curl's write) and where item3 starts.
  size_t item2 = records.size(), item3 = records.size();
  for (size_t i = 0; i < records.size(); ++i) {
    std::string p = payload_of(records[i]);
    if (item2 == records.size() && p.find("GET /a/item2 ") != std::string::npos) item2 = i;
    if (item3 == records.size() && p.find("GET /a/item3 ") != std::string::npos) item3 = i;
  }
  ASSERT_LT(item2, item3);
  ASSERT_LT(item3, records.size());
  // Lose the middle half of item2's records.
  size_t from = item2 + (item3 - item2) / 4, to = item2 + 3 * (item3 - item2) / 4;
  std::vector<RawRecord> lossy(records.begin(), records.begin() + from);
  lossy.insert(lossy.end(), records.begin() + to, records.end());
  auto r = replay(lossy);
  auto got = chains(r.spans);
  auto ok = [](const std::string& item) {
    return "curl:client:GET /a/" + item + ":200:ok:18183 > python3:server:GET /a/" + item +
           ":200:ok:18183 > python3:client:GET /b/" + item + ":200:ok:18184 > python3:server:GET /b/" + item +
           ":200:ok:18184";
  };
  for (const char* item : {"item0", "item1", "item3", "item4"})
    EXPECT_TRUE(contains(got, ok(item))) << "missing " << ok(item) << "\n got:\n" << ::testing::PrintToString(got);
  EXPECT_FALSE(contains(got, ok("item2"))) << "item2 lost half its events and cannot be a whole chain";
  EXPECT_EQ(r.stats.connections_live, 0u);
}

}  // namespace
}  // namespace cs
