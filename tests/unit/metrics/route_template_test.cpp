// http.route templating and its per-service cap (metrics/route_template.h).
#include "metrics/route_template.h"

#include <gtest/gtest.h>

namespace cs {
namespace {

std::string t(std::string_view path) {
  std::string out;
  template_route(path, out);
  return out;
}

TEST(RouteTemplate, RealPathsFold) {
  EXPECT_EQ(t("/users/42"), "/users/{id}");
  EXPECT_EQ(t("/users/42/orders/1001?expand=items#x"), "/users/{id}/orders/{id}");
  EXPECT_EQ(t("/carts/3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f/items"), "/carts/{id}/items");
  EXPECT_EQ(t("/blobs/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"), "/blobs/{id}");   // sha1
  EXPECT_EQ(t("/sessions/Zx8Qm2Lr7Tp4Vn1Ks9Wd"), "/sessions/{id}");                // high entropy
  EXPECT_EQ(t("/reports/2024-01-15"), "/reports/{id}");                            // mostly digits
  EXPECT_EQ(t("/b/0007"), "/b/{id}");
}

TEST(RouteTemplate, WordsAndVersionsStay) {
  EXPECT_EQ(t("/"), "/");
  EXPECT_EQ(t(""), "/");
  EXPECT_EQ(t("/api/v2/users"), "/api/v2/users");
  EXPECT_EQ(t("/healthz"), "/healthz");
  EXPECT_EQ(t("/static/app.bundle.min.js"), "/static/app.bundle.min.js");
  EXPECT_EQ(t("/deadbeef"), "/deadbeef");  // hex but no digit: a word
  EXPECT_EQ(t("/a//b/"), "/a//b/");
  EXPECT_EQ(t("http://example.com/x/12"), "/x/{id}");  // absolute-form target
  EXPECT_EQ(t("*"), "*");                               // OPTIONS *
  EXPECT_EQ(t("garbage"), "_OTHER");
}

TEST(RouteTable, CapPerServiceWithOverflowBucket) {
  RouteTable table(3);
  EXPECT_EQ(table.route("a", "/x/1"), "/x/{id}");
  EXPECT_EQ(table.route("a", "/x/2"), "/x/{id}");  // same template: no new route
  EXPECT_EQ(table.route("a", "/y"), "/y");
  EXPECT_EQ(table.route("a", "/z"), "/z");
  EXPECT_EQ(table.route("a", "/w"), "_OTHER");
  EXPECT_EQ(table.route("a", "/v"), "_OTHER");
  EXPECT_EQ(table.route("a", "/y"), "/y");  // known routes keep their name
  EXPECT_EQ(table.route("b", "/w"), "/w");  // the cap is per service
  EXPECT_EQ(table.overflowed(), 2u);
  EXPECT_EQ(table.routes("a"), 3u);
}

}  // namespace
}  // namespace cs
