// `callscope top`: windows of rate, error share and quantiles per service and edge, and the screen text.
#include <gtest/gtest.h>

#include "top/top_model.h"
#include "top/top_screen.h"
#include "unit/sinks/span_samples.h"

namespace cs {
namespace {

Span span(uint64_t id, uint64_t parent, SpanKind k, const char* svc, uint64_t ms, bool error = false) {
  Span s = test::make_span(id, parent, k, "GET /", 0, ms * 1'000'000, svc, 1);
  s.error = error;
  s.attributes.push_back({"server.address", std::string("10.1.1.1")});
  s.attributes.push_back({"server.port", int64_t{443}});
  return s;
}

TEST(TopModel, ServicesAndEdgesPerWindow) {
  TopModel m(2);
  for (uint64_t i = 0; i < 10; ++i) {
    uint64_t base = 10 * i + 1;
    m.emit({span(base, 0, SpanKind::Client, "curl", 20), span(base + 1, base, SpanKind::Server, "service_a", 10 + i),
            span(base + 2, base + 1, SpanKind::Client, "service_a", 5),
            span(base + 3, base + 2, SpanKind::Server, "service_b", 4, i < 3)});
  }
  m.emit({span(500, 0, SpanKind::Client, "service_b", 30)});  // to an untraced peer
  TopWindow w = m.window(2.0);
  ASSERT_EQ(w.services.size(), 2u);
  EXPECT_EQ(w.services[0].name, "service_a");
  EXPECT_DOUBLE_EQ(w.services[0].rate, 5.0);
  EXPECT_EQ(w.services[1].name, "service_b");
  EXPECT_DOUBLE_EQ(w.services[1].error_pct, 30.0);
  EXPECT_NEAR(w.services[1].p50_s, 0.004, 0.004 * 0.1);
  EXPECT_NEAR(w.services[0].p99_s, 0.019, 0.019 * 0.1);
  ASSERT_EQ(w.edges.size(), 3u);
  EXPECT_EQ(w.edges[0].name, "curl -> service_a");
  EXPECT_EQ(w.edges[1].name, "service_a -> service_b");
  EXPECT_EQ(w.edges[2].name, "service_b -> 10.1.1.1:443");
  // the next window is empty; rows stay with rate 0 for keep_intervals windows, then go
  TopWindow idle = m.window(1.0);
  ASSERT_EQ(idle.services.size(), 2u);
  EXPECT_EQ(idle.services[0].rate, 0);
  EXPECT_EQ(idle.services[0].total, 10u);
  m.window(1.0);
  EXPECT_TRUE(m.window(1.0).services.empty());
}

TEST(TopScreen, RendersTablesWithinTheTerminal) {
  TopWindow w;
  w.services.push_back(TopRow{"service_a", 12.5, 10, 0.0042, 0.120, 100});
  w.edges.push_back(TopRow{"service_a -> service_b", 12.5, 0, 0.00085, 1.5, 100});
  TopStatus st;
  st.clock = "12:00:00";
  std::string s = render_top(w, st, 80, 24);
  EXPECT_NE(s.find("callscope top - 12:00:00"), std::string::npos) << s;
  EXPECT_NE(s.find("SERVICE"), std::string::npos);
  EXPECT_NE(s.find("service_a -> service_b"), std::string::npos);
  EXPECT_NE(s.find("4.2ms"), std::string::npos) << s;
  EXPECT_NE(s.find("850us"), std::string::npos) << s;
  EXPECT_NE(s.find("1.50s"), std::string::npos) << s;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    EXPECT_LE(nl - start, 80u);
    start = nl + 1;
  }
}

}  // namespace
}  // namespace cs
