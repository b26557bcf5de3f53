#include "unit/protocols/dbtest/session_script.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <variant>

namespace cs::dbtest {

namespace {

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

class RecordingSink final : public ExchangeSink {
 public:
  RecordingSink(Result& r, bool raw) : r_(r), raw_(raw) {}
  void request_head(const Message& m, Dir) override {
    r_.log.push_back("head [" + std::to_string(m.start_pos) + "," + std::to_string(m.end_pos) + ")");
  }
  void request_complete(const Message& m, Dir) override {
    ++r_.requests_completed;
    r_.log.push_back("request [" + std::to_string(m.start_pos) + "," + std::to_string(m.end_pos) + ") tids " +
                     std::to_string(m.first.tid) + "-" + std::to_string(m.last.tid));
  }
  void response_started(const Message& m, Dir, const SyscallMeta& at) override {
    r_.log.push_back("started " + std::to_string(m.start_pos) + " at tid " + std::to_string(at.tid));
  }
  void exchange_complete(const Exchange& ex, Dir) override {
    Span1 s;
    ExchangeContext ctx;
    ctx.server_address = "127.0.0.1";
    ctx.client_address = "127.0.0.1";
    ctx.raw_query_text = raw_;
    SpanFields f;
    ex.describe(ctx, f);
    s.name = f.name;
    s.error = f.error;
    s.status_message = f.status_message;
    for (const Attribute& a : f.attributes) {
      if (a.key.substr(0, 7) == "server." || a.key.substr(0, 7) == "client.") continue;
      if (!s.attrs.empty()) s.attrs += ' ';
      s.attrs += std::string(a.key) + "=";
      if (std::holds_alternative<std::string>(a.value)) s.attrs += std::get<std::string>(a.value);
      else s.attrs += std::to_string(std::get<int64_t>(a.value));
    }
    s.end = end_name(ex.end);
    s.req_start = ex.request.start_pos;
    s.req_end = ex.request.end_pos;
    s.req_first_tid = ex.request.first.tid;
    s.req_last_tid = ex.request.last.tid;
    s.has_response = ex.has_response;
    s.traceparent = ex.request.traceparent;
    if (ex.has_response) {
      s.resp_start = ex.response.start_pos;
      s.resp_end = ex.response.end_pos;
      s.resp_first_tid = ex.response.first.tid;
      s.resp_last_tid = ex.response.last.tid;
    }
    std::ostringstream o;
    o << "exchange '" << s.name << "' err=" << s.error << " '" << s.status_message << "' {" << s.attrs << "} end="
      << s.end << " req [" << s.req_start << "," << s.req_end << ") tids " << s.req_first_tid << "-" << s.req_last_tid;
    if (s.has_response)
      o << " resp [" << s.resp_start << "," << s.resp_end << ") tids " << s.resp_first_tid << "-" << s.resp_last_tid;
    o << " end_ns=" << (ex.end == Exchange::End::Complete ? 0 : ex.end_ns) << " tp=" << s.traceparent;
    r_.log.push_back(o.str());
    r_.spans.push_back(std::move(s));
  }

 private:
  Result& r_;
  bool raw_;
};

std::string stats_text(const ProtocolStats& s) {
  std::ostringstream o;
  o << "messages=" << s.messages << " parse_errors=" << s.parse_errors << " gaps=" << s.gaps
    << " unmatched=" << s.unmatched_responses << " truncated=" << s.truncated_messages;
  return o.str();
}

std::string compare(const Result& base, const Result& other, const std::string& what) {
  const size_t n = std::max(base.log.size(), other.log.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string a = i < base.log.size() ? base.log[i] : "<none>";
    const std::string b = i < other.log.size() ? other.log[i] : "<none>";
    if (a != b) return what + ": event " + std::to_string(i) + "\n  whole: " + a + "\n  split: " + b;
  }
  // Message counts may differ only where a split changes nothing a span shows; the other counters not.
  ProtocolStats x = base.stats, y = other.stats;
  if (stats_text(x) != stats_text(y))
    return what + ": stats\n  whole: " + stats_text(x) + "\n  split: " + stats_text(y);
  return {};
}

}  // namespace

std::string Span1::attr(const std::string& key) const {
  const std::string k = key + "=";
  size_t at = 0;
  while ((at = attrs.find(k, at)) != std::string::npos) {
    if (at == 0 || attrs[at - 1] == ' ') {
      // The value runs to the next " <key>=" (values may hold spaces).
      size_t end = attrs.size();
      for (size_t p = at + k.size(); p < attrs.size(); ++p) {
        if (attrs[p] != ' ') continue;
        const size_t eq = attrs.find('=', p + 1);
        const size_t sp = attrs.find(' ', p + 1);
        if (eq != std::string::npos && (sp == std::string::npos || eq < sp) &&
            (attrs.compare(p + 1, 3, "db.") == 0 || attrs.compare(p + 1, 6, "error.") == 0)) {
          end = p;
          break;
        }
      }
      return attrs.substr(at + k.size(), end - at - k.size());
    }
    at += k.size();
  }
  return "<none>";
}

Result run(const Protocol& protocol, const std::vector<Step>& steps, Dir request_dir, const Splitter& split,
           bool raw_query_text) {
  Result r;
  RecordingSink sink(r, raw_query_text);
  auto session = protocol.create_session(request_dir, sink);
  const Dir response_dir = request_dir == Dir::Ingress ? Dir::Egress : Dir::Ingress;
  uint64_t pos[2] = {kClientBase, kServerBase};
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    if (st.kind == Step::Kind::Close) {
      session->on_close(900000 + i, st.reset);
      continue;
    }
    const int side = st.kind == Step::Kind::Client ? 0 : 1;
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

std::string check_split_invariance(const Protocol& protocol, const std::vector<Step>& steps, size_t exhaustive_limit) {
  const Result base = run(protocol, steps);
  for (size_t i = 0; i < steps.size(); ++i) {
    const size_t n = steps[i].bytes.size();
    std::vector<size_t> points;
    if (n <= exhaustive_limit) {
      for (size_t k = 1; k < n; ++k) points.push_back(k);
    } else {
      for (size_t k : {size_t(1), size_t(2), size_t(4), size_t(5), n / 3, n / 2, n - 2, n - 1}) points.push_back(k);
    }
    for (size_t k : points) {
      const Result r = run(protocol, steps, Dir::Ingress, [&](size_t idx, size_t) {
        return idx == i ? std::vector<size_t>{k} : std::vector<size_t>{};
      });
      std::string d = compare(base, r, "step " + std::to_string(i) + " cut at " + std::to_string(k));
      if (!d.empty()) return d;
    }
  }
  const Result bytewise = run(protocol, steps, Dir::Ingress, [](size_t, size_t size) {
    std::vector<size_t> v;
    for (size_t k = 1; k < size; ++k) v.push_back(k);
    return v;
  });
  std::string d = compare(base, bytewise, "byte by byte");
  if (!d.empty()) return d;
  std::mt19937_64 rng(20261128);
  for (int round = 0; round < 100; ++round) {
    const Result r = run(protocol, steps, Dir::Ingress, [&](size_t, size_t size) {
      std::vector<size_t> v;
      if (size < 2) return v;
      const size_t cuts = rng() % 6;
      for (size_t c = 0; c < cuts; ++c) v.push_back(1 + rng() % (size - 1));
      std::sort(v.begin(), v.end());
      return v;
    });
    d = compare(base, r, "random round " + std::to_string(round));
    if (!d.empty()) return d;
  }
  return {};
}

std::vector<Step> load_conversation(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Step> steps;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.size() < 3 || (line[0] != 'C' && line[0] != 'S') || line[1] != ' ')
      throw std::runtime_error("bad line in " + path + ": " + line.substr(0, 40));
    std::string bytes;
    for (size_t i = 2; i + 1 < line.size(); i += 2) bytes.push_back(static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16)));
    steps.push_back(line[0] == 'C' ? client(std::move(bytes)) : server(std::move(bytes)));
  }
  return steps;
}

std::string hex(std::string_view b) {
  static const char* d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : b) {
    o.push_back(d[c >> 4]);
    o.push_back(d[c & 15]);
  }
  return o;
}

}  // namespace cs::dbtest
