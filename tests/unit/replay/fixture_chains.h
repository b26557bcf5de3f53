// Helpers of the replay tests: load a recorded capture fixture, run records through a Pipeline, and
// describe the resulting traces as chain strings that tests compare exactly.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "record/capture_file.h"

namespace cs::replay_test {

using RawRecord = std::vector<uint8_t>;

inline std::string fixture_path(const std::string& name) { return std::string(CALLSCOPE_FIXTURES_DIR) + "/" + name; }

// Every record of a fixture; fails the test when the file cannot be read whole.
inline std::vector<RawRecord> load_fixture(const std::string& name, CaptureHeader* header = nullptr) {
  CaptureReader reader;
  std::string error;
  std::vector<RawRecord> out;
  if (!reader.open(fixture_path(name), error)) {
    ADD_FAILURE() << error;
    return out;
  }
  if (header) *header = reader.header();
  CaptureRecord rec;
  while (reader.next(rec)) out.emplace_back(rec.data, rec.data + rec.size);
  EXPECT_EQ(reader.error(), "") << name;
  EXPECT_TRUE(reader.has_trailer()) << name << " was recorded without a clean stop";
  return out;
}

class CollectingSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& batch) override { spans.insert(spans.end(), batch.begin(), batch.end()); }
  std::vector<Span> spans;
};

struct Replayed {
  std::vector<Span> spans;
  PipelineStats stats;
};

inline Replayed replay(const std::vector<RawRecord>& records, uint64_t seed = 42, int64_t mono_to_unix = 0) {
  CollectingSink sink;
  PipelineConfig config;
  config.id_seed = seed;
  config.mono_to_unix_ns = mono_to_unix;
  Pipeline p(config, sink);
  for (const auto& r : records) p.on_record(r.data(), r.size());
  p.flush();
  return Replayed{sink.spans, p.stats()};
}

inline int64_t int_attr(const Span& s, const std::string& key) {
  const Attribute* a = s.find(key);
  if (a == nullptr || !std::holds_alternative<int64_t>(a->value)) return -1;
  return std::get<int64_t>(a->value);
}

// "service:kind:name:code:status:port" of one span.
inline std::string level(const Span& s) {
  return s.service + ":" + (s.kind == SpanKind::Server ? "server" : "client") + ":" + s.name + ":" +
         std::to_string(int_attr(s, "http.response.status_code")) + ":" + (s.error ? "error" : "ok") + ":" +
         std::to_string(int_attr(s, "server.port"));
}

// One string per trace: its spans from the root down, levels joined by " > ". A trace that is not one
// linear chain (several roots, a branch, a span not reachable, a parent missing, a child outside its
// parent's window) is described as "BROKEN ..." so that an exact comparison fails and shows it.
inline std::vector<std::string> chains(const std::vector<Span>& spans) {
  std::map<std::string, std::vector<const Span*>> traces;
  for (const auto& s : spans) traces[s.trace_id.hex()].push_back(&s);
  std::vector<std::string> out;
  for (const auto& [trace, members] : traces) {
    std::map<uint64_t, const Span*> by_id;
    std::map<uint64_t, std::vector<const Span*>> children;
    std::vector<const Span*> roots;
    std::string broken;
    for (const Span* s : members) by_id[s->span_id] = s;
    for (const Span* s : members) {
      if (s->parent_span_id == 0 || s->remote_parent) {
        roots.push_back(s);
      } else if (!by_id.count(s->parent_span_id)) {
        broken += " dangling-parent(" + level(*s) + ")";
      } else {
        const Span* parent = by_id[s->parent_span_id];
        children[s->parent_span_id].push_back(s);
        if (s->start_unix_ns < parent->start_unix_ns || s->end_unix_ns > parent->end_unix_ns)
          broken += " outside-parent(" + level(*s) + ")";
      }
    }
    std::string chain;
    size_t depth = 0;
    if (roots.size() != 1) {
      broken += " roots=" + std::to_string(roots.size());
    } else {
      const Span* node = roots[0];
      chain = level(*node);
      depth = 1;
      while (children.count(node->span_id)) {
        const auto& kids = children[node->span_id];
        if (kids.size() != 1) {
          broken += " branch";
          break;
        }
        node = kids[0];
        chain += " > " + level(*node);
        ++depth;
      }
      if (depth != members.size()) broken += " unreachable=" + std::to_string(members.size() - depth);
    }
    out.push_back(broken.empty() ? chain : "BROKEN" + broken + " [" + chain + "]");
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline bool is_data(const RawRecord& r) {
  return r.size() >= sizeof(cs_event_header) && reinterpret_cast<const cs_event_header*>(r.data())->type == CS_EV_DATA;
}

inline std::string payload_of(const RawRecord& r) {
  if (!is_data(r) || r.size() < sizeof(cs_data_event)) return "";
  const auto* e = reinterpret_cast<const cs_data_event*>(r.data());
  return std::string(reinterpret_cast<const char*>(r.data() + sizeof(cs_data_event)), e->captured);
}

}  // namespace cs::replay_test
