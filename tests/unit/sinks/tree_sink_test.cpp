#include "sinks/tree_sink.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "unit/sinks/span_samples.h"

namespace cs {
namespace {

using test::make_span;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Column (in bytes) where the "├─ "/"└─ " connector starts: the depth marker.
size_t connector_at(const std::string& line) {
  const size_t a = line.find("├─ ");
  const size_t b = line.find("└─ ");
  return std::min(a, b);
}

Span with_status(Span s, int64_t code) {
  s.attributes.push_back({"http.response.status_code", code});
  return s;
}

TEST(TreeSink, NestsChildrenUnderParentsWithDurationsAndStatus) {
  TreeSink sink(stdout, false);
  const uint64_t t0 = 1714557600123000000ull;
  Span root = with_status(make_span(1, 0, SpanKind::Client, "GET /users", t0, t0 + 12'345'678, "curl", 4242), 200);
  Span server = with_status(make_span(2, 1, SpanKind::Server, "GET /users", t0 + 1'000'000, t0 + 11'000'000,
                                      "python3", 4100), 200);
  Span db = make_span(3, 2, SpanKind::Client, "GET /db", t0 + 2'000'000, t0 + 5'100'000, "python3", 4100);
  db.error = true;
  db.status_message = "connection reset before response";
  const std::string text = sink.render({root, server, db});
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 4u) << text;

  EXPECT_TRUE(contains(lines[0], "trace 4b112233445566778899aabbccddee36")) << lines[0];
  EXPECT_TRUE(contains(lines[0], ".123")) << "start time in ms: " << lines[0];

  EXPECT_TRUE(contains(lines[1], "client curl[4242] GET /users 200 ok 12.35 ms")) << lines[1];
  EXPECT_TRUE(contains(lines[2], "server python3[4100] GET /users 200 ok 10.00 ms")) << lines[2];
  EXPECT_TRUE(contains(lines[3], "client python3[4100] GET /db --- ERROR: connection reset before response 3.10 ms"))
      << lines[3];
  EXPECT_LT(connector_at(lines[1]), connector_at(lines[2]));
  EXPECT_LT(connector_at(lines[2]), connector_at(lines[3]));
  EXPECT_TRUE(contains(lines[1], "└─ "));
  EXPECT_FALSE(contains(text, "\033[")) << "no color codes when color is off";
  EXPECT_FALSE(contains(text, "(parent")) << "every parent is in the batch";
}

// Any protocol's response status shows (semantic conventions: "<namespace>.response.status_code").
TEST(TreeSink, StatusOfAnyProtocol) {
  TreeSink sink(stdout, false);
  Span db = make_span(1, 0, SpanKind::Client, "INSERT orders", 0, 2'000'000, "python3", 7);
  db.attributes.push_back({"db.system.name", std::string("postgresql")});
  db.attributes.push_back({"db.response.status_code", std::string("23505")});
  db.error = true;
  db.status_message = "unique_violation";
  const auto lines = lines_of(sink.render({db}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(contains(lines[1], "client python3[7] INSERT orders 23505 ERROR: unique_violation")) << lines[1];
}

TEST(TreeSink, SiblingsSortedByStartTimeWithBranchConnectors) {
  TreeSink sink(stdout, false);
  Span root = make_span(1, 0, SpanKind::Server, "GET /", 100, 10'000'000, "nginx", 1);
  // Emitted out of start order on purpose.
  Span late = make_span(3, 1, SpanKind::Client, "GET /late", 5'000'000, 6'000'000, "nginx", 1);
  Span early = make_span(2, 1, SpanKind::Client, "GET /early", 1'000'000, 2'000'000, "nginx", 1);
  Span early_child = make_span(4, 2, SpanKind::Server, "GET /early", 1'100'000, 1'900'000, "app", 9);
  const auto lines = lines_of(sink.render({root, late, early, early_child}));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_TRUE(contains(lines[1], "GET /"));
  EXPECT_TRUE(contains(lines[2], "GET /early") && contains(lines[2], "├─ ")) << lines[2];
  EXPECT_TRUE(contains(lines[3], "app[9]") && contains(lines[3], "│  └─ ")) << lines[3];
  EXPECT_TRUE(contains(lines[4], "GET /late") && contains(lines[4], "└─ ")) << lines[4];
  EXPECT_EQ(connector_at(lines[2]), connector_at(lines[4]));
}

TEST(TreeSink, SpansWithParentOutsideTheBatchAreTopLevelWithTheirParentNoted) {
  TreeSink sink(stdout, false);
  Span late = make_span(7, 0x00f067aa0ba902b7ull, SpanKind::Server, "GET /late", 50, 60, "app", 3);
  Span remote = make_span(8, 0xaaaabbbbccccddddull, SpanKind::Server, "GET /remote", 10, 20, "app", 3);
  remote.remote_parent = true;
  Span remote_child = make_span(9, 8, SpanKind::Client, "GET /down", 12, 18, "app", 3);
  const auto lines = lines_of(sink.render({late, remote, remote_child}));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(contains(lines[1], "GET /remote") && contains(lines[1], "(remote parent aaaabbbbccccdddd)"))
      << lines[1];
  EXPECT_TRUE(contains(lines[2], "GET /down")) << lines[2];
  EXPECT_FALSE(contains(lines[2], "parent")) << lines[2];
  EXPECT_TRUE(contains(lines[3], "GET /late") && contains(lines[3], "(parent 00f067aa0ba902b7)")) << lines[3];
  EXPECT_EQ(connector_at(lines[1]), connector_at(lines[3]));
  EXPECT_LT(connector_at(lines[1]), connector_at(lines[2]));
}

TEST(TreeSink, ParentCycleDoesNotLoopAndPrintsEverySpanOnce) {
  TreeSink sink(stdout, false);
  Span a = make_span(1, 2, SpanKind::Server, "A", 1, 2, "x", 1);
  Span b = make_span(2, 1, SpanKind::Server, "B", 3, 4, "x", 1);
  Span self = make_span(3, 3, SpanKind::Server, "C", 5, 6, "x", 1);
  const std::string text = sink.render({a, b, self});
  EXPECT_EQ(lines_of(text).size(), 4u) << text;
  EXPECT_TRUE(contains(text, " A ") && contains(text, " B ") && contains(text, " C ")) << text;
}

TEST(TreeSink, WireTextCannotInjectTerminalEscapes) {
  TreeSink sink(stdout, false);
  Span s = make_span(1, 0, SpanKind::Server, "GET /\033[2Jx\n\xFF", 1, 2, "bad\rcomm", 1);
  const std::string text = sink.render({s});
  EXPECT_FALSE(contains(text, "\033")) << text;
  EXPECT_FALSE(contains(text, "\r"));
  EXPECT_EQ(lines_of(text).size(), 2u);
  EXPECT_TRUE(contains(text, "GET /?[2Jx?\xEF\xBF\xBD")) << text;
}

TEST(TreeSink, ColorMarksErrors) {
  TreeSink sink(stdout, true);
  Span s = make_span(1, 0, SpanKind::Server, "GET /", 1, 2, "x", 1);
  s.error = true;
  const std::string text = sink.render({s});
  EXPECT_TRUE(contains(text, "\033[31mERROR")) << text;
}

TEST(TreeSink, EmitWritesTheRenderedText) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  TreeSink sink(f, false);
  const std::vector<Span> batch = {make_span(1, 0, SpanKind::Server, "GET /", 1, 2'000'000, "x", 1)};
  sink.emit(batch);
  sink.emit({});
  sink.flush();
  std::rewind(f);
  char buf[4096];
  const size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), sink.render(batch));
  EXPECT_TRUE(contains(std::string(buf, n), "2.00 ms"));
}

}  // namespace
}  // namespace cs
