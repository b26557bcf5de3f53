// The JSON lines of the replayed fixtures, byte for byte: `<name>.spans.jsonl` next to each fixture was
// written by the agent before the socket-level ABI and the protocol-neutral span model (from the format 1
// recording, seed 42), so the README's JSON output (keys, names, attributes, ids, times) is what it was.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "sinks/json_sink.h"
#include "unit/replay/fixture_chains.h"

namespace cs {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string replay_json(const std::string& fixture) {
  CaptureHeader header;
  const auto records = replay_test::load_fixture(fixture, &header);
  std::ostringstream out;
  JsonSink sink(out);
  PipelineConfig config;
  config.id_seed = 42;
  config.mono_to_unix_ns = header.mono_to_unix_ns;
  Pipeline p(config, sink);
  for (const auto& r : records) p.on_record(r.data(), r.size());
  p.flush();
  sink.flush();
  return out.str();
}

TEST(FixtureJson, SameJsonLinesAsBeforeTheModelChange) {
  for (const char* name : {"flask_chain", "nginx_keepalive"}) {
    const std::string want = read_text(replay_test::fixture_path(std::string(name) + ".spans.jsonl"));
    const std::string got = replay_json(std::string(name) + ".cscap");
    ASSERT_FALSE(want.empty());
    std::istringstream a(want), b(got);
    std::string la, lb;
    int line = 0;
    while (true) {
      const bool more_a = static_cast<bool>(std::getline(a, la));
      const bool more_b = static_cast<bool>(std::getline(b, lb));
      ++line;
      if (!more_a && !more_b) break;
      ASSERT_EQ(lb, la) << name << " line " << line;
    }
  }
}

}  // namespace
}  // namespace cs
