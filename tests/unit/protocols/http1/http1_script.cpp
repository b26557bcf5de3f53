#include "unit/protocols/http1/http1_script.h"

#include <algorithm>
#include <random>
#include <sstream>

#include "protocols/http1/http1_protocol.h"

namespace cs::http1::test {
namespace {

std::string describe_meta(const SyscallMeta& m) {
  return std::to_string(m.tid) + "@" + std::to_string(m.enter_ns) + "-" + std::to_string(m.exit_ns);
}

std::string end_name(Exchange::End e) {
  switch (e) {
    case Exchange::End::Complete: return "complete";
    case Exchange::End::ConnectionClosed: return "closed";
    case Exchange::End::ConnectionReset: return "reset";
    case Exchange::End::Evicted: return "evicted";
    case Exchange::End::Lost: return "lost";
  }
  return "?";
}

std::string dir_name(Dir d) { return d == Dir::Ingress ? "in" : "out"; }

class RecordingSink final : public ExchangeSink {
 public:
  explicit RecordingSink(Result& r) : r_(r) {}
  // The HTTP/1 session reports its own message type through the protocol-neutral interface.
  void request_complete(const Message& message, Dir dir) override {
    const auto& request = static_cast<const Http1Message&>(message);
    r_.log.push_back("request " + dir_name(dir) + " " + describe(request, request));
    r_.requests.push_back(request);
  }
  void response_started(const Message& message, Dir dir, const SyscallMeta& at) override {
    const auto& request = static_cast<const Http1Message&>(message);
    r_.log.push_back("started " + dir_name(dir) + " " + std::string(request.method()) + " " + std::string(request.target()) + " " +
                     std::to_string(request.start_pos) + " at " + describe_meta(at));
    r_.started_at.push_back(at);
  }
  void exchange_complete(const Exchange& exchange, Dir request_dir) override {
    const auto& e = dynamic_cast<const Http1Exchange&>(exchange);
    r_.log.push_back("exchange " + dir_name(request_dir) + " " + describe(e));
    r_.exchanges.push_back(e);
  }

 private:
  Result& r_;
};

std::string stats_text(const ProtocolStats& s) {
  std::ostringstream o;
  o << "messages=" << s.messages << " parse_errors=" << s.parse_errors << " resyncs=" << s.resyncs
    << " gaps=" << s.gaps << " unmatched=" << s.unmatched_responses << " truncated=" << s.truncated_messages;
  return o.str();
}

std::string compare(const Result& base, const Result& other, const std::string& what) {
  const size_t n = std::max(base.log.size(), other.log.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string a = i < base.log.size() ? base.log[i] : "<none>";
    const std::string b = i < other.log.size() ? other.log[i] : "<none>";
    if (a != b) return what + ": event " + std::to_string(i) + "\n  whole: " + a + "\n  split: " + b;
  }
  if (stats_text(base.stats) != stats_text(other.stats))
    return what + ": stats\n  whole: " + stats_text(base.stats) + "\n  split: " + stats_text(other.stats);
  return {};
}

}  // namespace

std::string describe(const Message& m, const Http1Head& h) {
  std::ostringstream o;
  if (m.is_request) {
    o << h.method() << " target=" << h.target() << " path=" << h.path() << " host=" << h.host();
  } else {
    o << "status=" << h.status;
  }
  o << " v=" << h.version() << " tp=" << m.traceparent << " ka=" << h.keep_alive << " [" << m.start_pos << ","
    << m.end_pos << ") first=" << describe_meta(m.first) << " last=" << describe_meta(m.last)
    << " unc=" << m.uncaptured_bytes << " trunc=" << m.truncated;
  return o.str();
}

std::string describe(const Http1Exchange& e) {
  std::string s = "{" + describe(e.request, e.request_http) + "}";
  if (e.has_response) s += " -> {" + describe(e.response, e.response_http) + "}";
  else s += " -> none";
  s += " end=" + end_name(e.end) + " end_ns=" + std::to_string(e.end_ns);
  return s;
}

Result run(const std::vector<Step>& steps, Dir request_dir, const Splitter& split) {
  Result r;
  RecordingSink sink(r);
  auto session = http1_protocol().create_session(request_dir, sink);
  const Dir response_dir = request_dir == Dir::Ingress ? Dir::Egress : Dir::Ingress;
  uint64_t pos[2] = {kRequestBase, kResponseBase};
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    if (st.kind == Step::Kind::Close) {
      session->on_close(close_ts(i), st.reset);
      continue;
    }
    const int side = st.kind == Step::Kind::Request ? 0 : 1;
    const Dir dir = side == 0 ? request_dir : response_dir;
    pos[side] += st.gap;
    std::vector<size_t> cuts;
    if (split) cuts = split(i, st.bytes.size());
    cuts.push_back(st.bytes.size());
    size_t from = 0;
    for (size_t c = 0; c < cuts.size(); ++c) {
      const size_t to = cuts[c];
      const bool last = c + 1 == cuts.size();
      if (to <= from && !last) continue;
      Segment seg;
      seg.pos = pos[side] + from;
      seg.captured = std::string_view(st.bytes).substr(from, to - from);
      seg.len = static_cast<uint32_t>(to - from + (last ? st.uncaptured : 0));
      seg.meta = meta_of_step(i);
      if (seg.len > 0) session->on_segment(dir, seg);
      from = to;
    }
    pos[side] += st.bytes.size() + st.uncaptured;
  }
  r.stats = session->stats();
  return r;
}

std::string check_split_invariance(const std::vector<Step>& steps, size_t exhaustive_limit) {
  const Result base = run(steps);
  for (size_t i = 0; i < steps.size(); ++i) {
    const size_t n = steps[i].bytes.size();
    std::vector<size_t> points;
    if (n <= exhaustive_limit) {
      for (size_t k = 1; k < n; ++k) points.push_back(k);
    } else {
      for (size_t k : {size_t(1), size_t(2), n / 3, n / 2, n - 2, n - 1}) points.push_back(k);
    }
    for (size_t k : points) {
      const Result r = run(steps, Dir::Ingress, [&](size_t idx, size_t) {
        return idx == i ? std::vector<size_t>{k} : std::vector<size_t>{};
      });
      std::string d = compare(base, r, "step " + std::to_string(i) + " cut at " + std::to_string(k));
      if (!d.empty()) return d;
    }
  }
  size_t total = 0;
  for (const Step& s : steps) total += s.bytes.size();
  if (total <= 64 * exhaustive_limit) {
    const Result r = run(steps, Dir::Ingress, [](size_t, size_t size) {
      std::vector<size_t> v;
      for (size_t k = 1; k < size; ++k) v.push_back(k);
      return v;
    });
    std::string d = compare(base, r, "byte by byte");
    if (!d.empty()) return d;
  }
  std::mt19937_64 rng(20240611);
  for (int round = 0; round < 200; ++round) {
    const Result r = run(steps, Dir::Ingress, [&](size_t, size_t size) {
      std::vector<size_t> v;
      if (size < 2) return v;
      const size_t cuts = rng() % 6;
      for (size_t c = 0; c < cuts; ++c) v.push_back(1 + rng() % (size - 1));
      std::sort(v.begin(), v.end());
      return v;
    });
    std::string d = compare(base, r, "random round " + std::to_string(round));
    if (!d.empty()) return d;
  }
  return {};
}

}  // namespace cs::http1::test
