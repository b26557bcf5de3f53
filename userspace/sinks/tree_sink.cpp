#include "sinks/tree_sink.h"

#include <algorithm>
#include <cinttypes>
#include <ctime>
#include <unordered_map>
#include <variant>

#include "sinks/utf8_sanitize.h"

namespace cs {

namespace {

constexpr const char* kReset = "\033[0m";
constexpr const char* kBold = "\033[1m";
constexpr const char* kDim = "\033[2m";
constexpr const char* kRed = "\033[31m";
constexpr const char* kGreen = "\033[32m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kBlue = "\033[34m";
constexpr const char* kMagenta = "\033[35m";
constexpr std::string_view kStatusSuffix = ".response.status_code";

std::string format_local_time(uint64_t unix_ns) {
  const time_t secs = static_cast<time_t>(unix_ns / 1'000'000'000ull);
  const unsigned ms = static_cast<unsigned>((unix_ns / 1'000'000ull) % 1000);
  struct tm tm {};
  if (!localtime_r(&secs, &tm)) return "?";
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03u", ms);
  return buf;
}

bool earlier(const Span* a, const Span* b) {
  if (a->start_unix_ns != b->start_unix_ns) return a->start_unix_ns < b->start_unix_ns;
  return a->span_id < b->span_id;
}

}  // namespace

TreeSink::TreeSink(std::FILE* out, bool color) : out_(out), color_(color) {}

void TreeSink::render_span(const Span& span, const std::string& prefix, bool last, bool top_level,
                           std::string& out) {
  auto paint = [&](const char* code) {
    if (color_) out += code;
  };
  out += prefix;
  out += last ? "└─ " : "├─ ";

  paint(span.kind == SpanKind::Client ? kBlue : kMagenta);
  out += span.kind == SpanKind::Client ? "client" : "server";
  paint(kReset);
  out += ' ';

  out += terminal_sanitize(span.service, scratch_);
  out += '[';
  out += std::to_string(span.pid);
  out += "] ";
  paint(kBold);
  out += span.name.empty() ? std::string_view("?") : terminal_sanitize(span.name, scratch_);
  paint(kReset);
  out += ' ';

  // The protocol's response status, whatever the protocol (http.response.status_code,
  // db.response.status_code, ...): semantic conventions name them all "<namespace>.response.status_code".
  const Attribute* code = nullptr;
  for (const Attribute& a : span.attributes)
    if (a.key.size() > kStatusSuffix.size() && a.key.substr(a.key.size() - kStatusSuffix.size()) == kStatusSuffix) {
      code = &a;
      break;
    }
  if (code && std::holds_alternative<int64_t>(code->value)) {
    const int64_t c = std::get<int64_t>(code->value);
    paint(c >= 500 ? kRed : c >= 400 ? kYellow : kGreen);
    out += std::to_string(c);
    paint(kReset);
  } else if (code) {
    out += terminal_sanitize(std::get<std::string>(code->value), scratch_);
  } else {
    out += "---";
  }
  out += ' ';

  if (span.error) {
    paint(kRed);
    out += "ERROR";
    if (!span.status_message.empty()) {
      out += ": ";
      out += terminal_sanitize(span.status_message, scratch_);
    }
    paint(kReset);
  } else {
    out += "ok";
  }

  const uint64_t dur_ns = span.end_unix_ns > span.start_unix_ns ? span.end_unix_ns - span.start_unix_ns : 0;
  char dur[48];
  std::snprintf(dur, sizeof dur, " %.2f ms", static_cast<double>(dur_ns) / 1e6);
  paint(kDim);
  out += dur;
  paint(kReset);

  if (top_level && span.parent_span_id != 0) {
    out += span.remote_parent ? " (remote parent " : " (parent ";
    out += span_id_hex(span.parent_span_id);
    out += ')';
  }
  out += '\n';
}

std::string TreeSink::render(const std::vector<Span>& spans) {
  std::string out;
  if (spans.empty()) return out;

  // Index the batch; a span is a child only if its parent is in the batch (and is not itself).
  std::unordered_map<uint64_t, const Span*> by_id;
  by_id.reserve(spans.size());
  for (const Span& s : spans) by_id.emplace(s.span_id, &s);

  std::unordered_map<uint64_t, std::vector<const Span*>> children;
  std::vector<const Span*> top;
  uint64_t first_start = UINT64_MAX;
  for (const Span& s : spans) {
    first_start = std::min(first_start, s.start_unix_ns);
    const bool has_parent = s.parent_span_id != 0 && s.parent_span_id != s.span_id &&
                            by_id.count(s.parent_span_id) != 0;
    if (has_parent)
      children[s.parent_span_id].push_back(&s);
    else
      top.push_back(&s);
  }
  for (auto& [id, list] : children) std::sort(list.begin(), list.end(), earlier);
  std::sort(top.begin(), top.end(), earlier);

  if (color_) out += kBold;
  out += "trace ";
  out += spans.front().trace_id.hex();
  if (color_) out += kReset;
  out += "  ";
  out += format_local_time(first_start);
  out += '\n';

  // Depth-first walk with an explicit stack (no recursion limit); every span is printed at most once,
  // so a parent cycle in a broken batch cannot loop. Spans only reachable through a cycle are printed
  // at top level afterwards.
  struct Item {
    const Span* span;
    std::string prefix;
    bool last;
    bool top_level;
  };
  std::unordered_map<const Span*, bool> printed;
  printed.reserve(spans.size());

  auto walk = [&](const std::vector<const Span*>& roots) {
    std::vector<Item> stack;
    for (size_t i = roots.size(); i-- > 0;) stack.push_back({roots[i], "", i + 1 == roots.size(), true});
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      if (printed[item.span]) continue;
      printed[item.span] = true;
      render_span(*item.span, item.prefix, item.last, item.top_level, out);
      auto it = children.find(item.span->span_id);
      if (it == children.end()) continue;
      const std::string child_prefix = item.prefix + (item.last ? "   " : "│  ");
      const auto& kids = it->second;
      for (size_t i = kids.size(); i-- > 0;) stack.push_back({kids[i], child_prefix, i + 1 == kids.size(), false});
    }
  };
  walk(top);

  std::vector<const Span*> leftover;
  for (const Span& s : spans)
    if (!printed[&s]) leftover.push_back(&s);
  if (!leftover.empty()) {
    std::sort(leftover.begin(), leftover.end(), earlier);
    walk(leftover);
  }
  return out;
}

void TreeSink::emit(const std::vector<Span>& spans) {
  const std::string text = render(spans);
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), out_) != text.size()) ++write_errors_;
}

void TreeSink::flush() {
  if (std::fflush(out_) != 0) ++write_errors_;
}

}  // namespace cs
