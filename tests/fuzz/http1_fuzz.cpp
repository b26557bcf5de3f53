// Fuzz target for the HTTP/1 session: the input is a script of segments for both directions.
//
// Byte 0: bit 0 = request direction (0 Ingress, 1 Egress). Then records:
//   control byte c: bit 0 = side (0 requests, 1 responses); bits 1-2 = kind
//     (0 plain segment, 1 segment with an uncaptured tail, 2 gap before the segment, 3 connection close,
//      bit 3 = reset); next byte n = captured length (clamped to what is left), then n bytes;
//     kinds 1 and 2 take one more byte k: uncaptured tail / gap = k * 7 bytes.
// After each call the recorded messages are checked against invariants; a violation aborts.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <set>
#include <string_view>
#include <vector>

#include "protocols/http1/http1_exchange.h"
#include "protocols/http1/http1_protocol.h"

namespace {

using namespace cs;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "http1_fuzz invariant violated: %s\n", what);
  std::abort();
}
void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

struct Checker final : ExchangeSink {
  uint64_t stream_end[2] = {0, 0};   // [0] requests, [1] responses
  uint64_t last_end[2] = {0, 0};
  uint64_t last_exchange_start = 0;
  bool any_exchange = false;
  std::set<uint64_t> requests_done;  // start_pos of requests reported complete
  uint64_t segments = 0;

  // The HTTP/1 session reports its own message and exchange types through the protocol-neutral interface.
  void check_message(const Message& m, const http1::Http1Head& h, int side) {
    check(m.is_request == (side == 0), "message direction");
    check(m.end_pos >= m.start_pos, "end_pos >= start_pos");
    check(m.end_pos <= stream_end[side], "message ends beyond the bytes seen");
    check(m.uncaptured_bytes <= m.end_pos - m.start_pos, "uncaptured bytes within message");
    check(m.first.tid >= 1 && m.first.tid <= segments, "first meta is a real segment");
    check(m.last.tid >= m.first.tid, "last meta not before first meta");
    if (side == 0) check(!h.method().empty(), "request has a method");
    else check(h.status >= 100 && h.status <= 999, "response status in range");
  }
  void request_complete(const Message& r, Dir) override {
    check_message(r, static_cast<const http1::Http1Message&>(r), 0);
    check(r.start_pos >= last_end[0], "requests in stream order, not overlapping");
    last_end[0] = r.end_pos;
    requests_done.insert(r.start_pos);
  }
  void response_started(const Message& r, Dir, const SyscallMeta& at) override {
    check(requests_done.count(r.start_pos) == 1, "response_started after request_complete");
    check(at.tid >= 1 && at.tid <= segments, "response start meta is a real segment");
  }
  void exchange_complete(const Exchange& ex, Dir) override {
    const auto& e = dynamic_cast<const http1::Http1Exchange&>(ex);
    check(requests_done.count(e.request.start_pos) == 1, "exchange after request_complete");
    check(!any_exchange || e.request.start_pos > last_exchange_start, "exchanges in request order");
    any_exchange = true;
    last_exchange_start = e.request.start_pos;
    requests_done.erase(e.request.start_pos);
    if (e.has_response) {
      check_message(e.response, e.response_http, 1);
      check(e.response.start_pos >= last_end[1], "responses in stream order, not overlapping");
      last_end[1] = e.response.end_pos;
    }
    check(e.end == Exchange::End::Complete || e.end_ns != 0, "close time set");
    // The span description never fails and always names the span.
    SpanFields fields;
    e.describe(ExchangeContext{}, fields);
    check(!fields.name.empty() && fields.attributes.size() >= 6, "exchange describes its span");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Dir request_dir = (data[0] & 1) ? Dir::Egress : Dir::Ingress;
  const Dir response_dir = request_dir == Dir::Ingress ? Dir::Egress : Dir::Ingress;
  Checker checker;
  auto session = http1::http1_protocol().create_session(request_dir, checker);
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
      check(checker.requests_done.empty(), "every complete request ends in an exchange at close");
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
  check(checker.requests_done.empty(), "every complete request ends in an exchange at close");
  const ProtocolStats& st = session->stats();
  check(st.truncated_messages <= st.messages, "truncated <= messages");
  return 0;
}
