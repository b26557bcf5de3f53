// Test support for the HTTP/1 session: a scripted conversation (segments of both directions, closes),
// a sink that records every call as text, and a runner that can cut the segments at any points.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocols/http1/http1_exchange.h"
#include "protocols/protocol.h"

namespace cs::http1::test {

inline constexpr uint64_t kRequestBase = 1000;    // stream position of the first request byte
inline constexpr uint64_t kResponseBase = 100000; // stream position of the first response byte

struct Step {
  enum class Kind { Request, Response, Close } kind;
  std::string bytes;         // captured bytes
  uint64_t uncaptured = 0;   // bytes the syscall moved after `bytes` that were not copied
  uint64_t gap = 0;          // bytes lost before this segment
  bool reset = false;        // Close: RST instead of FIN
};

inline Step req(std::string b, uint64_t uncaptured = 0, uint64_t gap = 0) {
  return {Step::Kind::Request, std::move(b), uncaptured, gap, false};
}
inline Step resp(std::string b, uint64_t uncaptured = 0, uint64_t gap = 0) {
  return {Step::Kind::Response, std::move(b), uncaptured, gap, false};
}
inline Step close_conn(bool reset = false) { return {Step::Kind::Close, {}, 0, 0, reset}; }

// Meta of the syscall of step i (tid = i + 1): lets tests check which syscall a message was tied to.
inline SyscallMeta meta_of_step(size_t i) {
  const uint32_t tid = static_cast<uint32_t>(i + 1);
  return SyscallMeta{tid * 1000ull, tid * 1000ull + 500, tid};
}
inline uint64_t close_ts(size_t i) { return 900000 + i; }

std::string describe(const Message& m, const Http1Head& head);
std::string describe(const Http1Exchange& e);

struct Result {
  std::vector<std::string> log;          // every sink call, in order
  std::vector<Http1Message> requests;    // request_complete
  std::vector<SyscallMeta> started_at;   // response_started
  std::vector<Http1Exchange> exchanges;  // exchange_complete
  ProtocolStats stats;
};

// Cut points (strictly inside (0, size)) for the captured bytes of step `index`.
using Splitter = std::function<std::vector<size_t>(size_t index, size_t size)>;

Result run(const std::vector<Step>& steps, Dir request_dir = Dir::Ingress, const Splitter& split = {});

// Runs the script whole, then cut at every single point of every step, then every step byte by byte,
// then cut at random points (fixed seed); every run must give the same log and stats as the whole run.
// Steps longer than `exhaustive_limit` bytes get only the random and a few fixed cuts.
// Returns an empty string if so, else a description of the first difference.
std::string check_split_invariance(const std::vector<Step>& steps, size_t exhaustive_limit = 4096);

}  // namespace cs::http1::test
