// Test support for the data-store protocol sessions (Redis, PostgreSQL, MySQL, memcached): a scripted
// conversation (segments of both directions, lost and uncaptured bytes, closes), a sink that records every
// call as text (exchanges as their span description), recorded conversations loaded from files, and a
// runner that replays a script cut at every point.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "protocols/protocol.h"

namespace cs::dbtest {

inline constexpr uint64_t kClientBase = 1000;     // stream position of the first client byte
inline constexpr uint64_t kServerBase = 100000;   // stream position of the first server byte

struct Step {
  enum class Kind { Client, Server, Close } kind;
  std::string bytes;         // captured bytes
  uint64_t uncaptured = 0;   // bytes the call moved after `bytes` that were not copied
  uint64_t gap = 0;          // bytes lost before this segment
  bool reset = false;
};
inline Step client(std::string b, uint64_t uncaptured = 0, uint64_t gap = 0) {
  return {Step::Kind::Client, std::move(b), uncaptured, gap, false};
}
inline Step server(std::string b, uint64_t uncaptured = 0, uint64_t gap = 0) {
  return {Step::Kind::Server, std::move(b), uncaptured, gap, false};
}
inline Step close_conn(bool reset = false) { return {Step::Kind::Close, {}, 0, 0, reset}; }

// Meta of the call of step i: tid = i + 1.
inline SyscallMeta meta_of_step(size_t i) {
  const uint32_t tid = static_cast<uint32_t>(i + 1);
  return SyscallMeta{tid * 1000ull, tid * 1000ull + 500, tid, 7, 0};
}

struct Span1 {  // one exchange as its span would show it
  std::string name;
  bool error = false;
  std::string status_message;
  std::string attrs;        // "k=v k=v" without the endpoint attributes
  std::string end;          // "complete", "lost", "closed", ...
  uint64_t req_start = 0, req_end = 0;
  bool has_response = false;
  uint64_t resp_start = 0, resp_end = 0;
  uint32_t req_first_tid = 0, req_last_tid = 0, resp_first_tid = 0, resp_last_tid = 0;
  std::string traceparent;
  std::string attr(const std::string& key) const;  // value of one attribute, "<none>" if absent
};

struct Result {
  std::vector<std::string> log;   // every sink call, in order
  std::vector<Span1> spans;       // exchange_complete, in order
  ProtocolStats stats;
  size_t requests_completed = 0;
};

using Splitter = std::function<std::vector<size_t>(size_t index, size_t size)>;

Result run(const Protocol& protocol, const std::vector<Step>& steps, Dir request_dir = Dir::Ingress,
           const Splitter& split = {}, bool raw_query_text = false);

// Runs the script whole, then cut at every point of every step (steps longer than `exhaustive_limit`
// bytes: a few fixed points), byte by byte, and at random points; every run must give the same log and
// stats as the whole run. Returns "" or what differed.
std::string check_split_invariance(const Protocol& protocol, const std::vector<Step>& steps,
                                   size_t exhaustive_limit = 300);

// A conversation recorded from a real client and server (tests/unit/protocols/<name>/data/*.conv): one
// segment per line, "C <hex>" (client to server) or "S <hex>" (server to client), as the recorder read it
// from the socket; '#' lines are comments.
std::vector<Step> load_conversation(const std::string& path);

// Every step's bytes concatenated per side, cut into one step per byte: a worst case for buffering.
std::string hex(std::string_view bytes);

}  // namespace cs::dbtest
