// Shared body of the data-store session fuzz targets (redis_fuzz, postgres_fuzz, mysql_fuzz,
// memcached_fuzz): the input is a script of segments for both directions, as in http1_fuzz.cpp:
//
// Byte 0: bit 0 = request direction (0 Ingress, 1 Egress). Then records:
//   control byte c: bit 0 = side (0 client, 1 server); bits 1-2 = kind
//     (0 plain segment, 1 segment with an uncaptured tail, 2 gap before the segment, 3 connection close,
//      bit 3 = reset); next byte n = captured length (clamped to what is left), then n bytes;
//     kinds 1 and 2 take one more byte k: uncaptured tail / gap = k * 7 bytes.
// After each call the sink checks the protocol.h contract; a violation aborts:
//   request_complete in stream order, response_started only after its request_complete, exactly one
//   exchange_complete per request_complete (all of them by the final close), exchanges in request order,
//   positions inside the bytes seen, describe() names the span and says which database it is.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include "protocols/protocol.h"

namespace cs::dbfuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "db session fuzz invariant violated: %s\n", what);
  std::abort();
}
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

struct Checker final : ExchangeSink {
  uint64_t stream_end[2] = {0, 0};  // [0] client, [1] server
  uint64_t last_request_end = 0;
  uint64_t last_exchange_start = 0;
  bool any_exchange = false;
  std::multiset<uint64_t> open;     // start_pos of requests reported complete, not yet ended
  uint64_t segments = 0;

  void request_complete(const Message& r, Dir) override {
    check(r.is_request, "request flagged as request");
    check(r.end_pos >= r.start_pos, "request end >= start");
    check(r.start_pos >= last_request_end || r.start_pos == r.end_pos, "requests in stream order");
    check(r.end_pos <= stream_end[0], "request ends beyond the bytes seen");
    check(r.first.tid >= 1 && r.first.tid <= segments && r.last.tid >= r.first.tid, "request metas are real");
    last_request_end = r.end_pos;
    open.insert(r.start_pos);
  }
  void response_started(const Message& r, Dir, const SyscallMeta& at) override {
    check(open.count(r.start_pos) >= 1, "response_started after request_complete");
    check(at.tid >= 1 && at.tid <= segments, "response start meta is real");
  }
  void exchange_complete(const Exchange& ex, Dir) override {
    auto it = open.find(ex.request.start_pos);
    check(it != open.end(), "exchange after request_complete");
    open.erase(it);
    check(!any_exchange || ex.request.start_pos >= last_exchange_start, "exchanges in request order");
    any_exchange = true;
    last_exchange_start = ex.request.start_pos;
    if (ex.has_response) {
      check(ex.response.end_pos >= ex.response.start_pos, "response end >= start");
      check(ex.response.end_pos <= stream_end[1], "response ends beyond the bytes seen");
      check(ex.response.last.tid >= ex.response.first.tid, "response metas in order");
    }
    check(ex.end == Exchange::End::Complete || ex.end_ns != 0, "end time set");
    SpanFields f;
    ExchangeContext ctx;
    ex.describe(ctx, f);
    check(!f.name.empty(), "span named");
    bool system = false;
    for (const Attribute& a : f.attributes) system |= a.key == "db.system.name";
    check(system, "db.system.name present");
    ctx.raw_query_text = true;
    SpanFields raw;
    ex.describe(ctx, raw);
  }
};

inline int run(const Protocol& protocol, const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Dir request_dir = (data[0] & 1) ? Dir::Egress : Dir::Ingress;
  const Dir response_dir = request_dir == Dir::Ingress ? Dir::Egress : Dir::Ingress;
  Checker checker;
  auto session = protocol.create_session(request_dir, checker);
  uint64_t pos[2] = {1000, 1u << 30};
  checker.stream_end[0] = pos[0];
  checker.stream_end[1] = pos[1];
  size_t i = 1;
  uint64_t closes = 0;
  while (i + 1 < size) {
    const uint8_t c = data[i++];
    const int side = c & 1;
    const int kind = (c >> 1) & 3;
    if (kind == 3) {
      session->on_close(1000000 + ++closes, (c >> 3) & 1);
      check(checker.open.empty(), "every complete request ends in an exchange at close");
      continue;
    }
    size_t n = data[i++];
    uint64_t extra = 0;
    if (kind != 0 && i < size) extra = uint64_t{data[i++]} * 7;
    if (n > size - i) n = size - i;
    if (kind == 2) pos[side] += extra;
    Segment seg;
    seg.pos = pos[side];
    seg.captured = std::string_view(reinterpret_cast<const char*>(data + i), n);
    seg.len = static_cast<uint32_t>(n + (kind == 1 ? extra : 0));
    seg.meta.tid = static_cast<uint32_t>(++checker.segments);
    seg.meta.enter_ns = seg.meta.tid * 10;
    seg.meta.exit_ns = seg.meta.enter_ns + 5;
    i += n;
    pos[side] += seg.len;
    checker.stream_end[side] = pos[side];
    if (seg.len == 0) continue;
    session->on_segment(side == 0 ? request_dir : response_dir, seg);
  }
  session->on_close(2000000, false);
  check(checker.open.empty(), "every complete request ends in an exchange at close");
  const ProtocolStats& st = session->stats();
  check(st.truncated_messages <= st.messages + st.parse_errors + st.gaps + 1000000, "stats sane");
  return 0;
}

}  // namespace cs::dbfuzz
