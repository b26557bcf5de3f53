#include "top/top_screen.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "sinks/utf8_sanitize.h"

namespace cs {

std::string format_latency(double s) {
  if (s <= 0) return "-";
  if (s < 1e-3) return fmt::format("{:.0f}us", s * 1e6);
  if (s < 1) return fmt::format("{:.1f}ms", s * 1e3);
  return fmt::format("{:.2f}s", s);
}

namespace {

void table(const char* title, const std::vector<TopRow>& rows, int width, int& lines_left, std::string& out) {
  if (lines_left < 2) return;
  const int name_w = std::max(12, width - 48);
  std::string head = fmt::format("{:<{}} {:>9} {:>7} {:>9} {:>9} {:>9}", title, name_w, "REQ/S", "ERR%", "P50",
                                 "P99", "TOTAL");
  out += head.substr(0, static_cast<size_t>(width));
  out += "\n";
  --lines_left;
  if (rows.empty()) {
    out += "  (no requests yet)\n";
    --lines_left;
  }
  for (const TopRow& r : rows) {
    if (lines_left <= 0) break;
    std::string scratch;
    std::string clean(terminal_sanitize(r.name, scratch));  // names from processes and the wire: no escapes
    std::string name = clean.size() > static_cast<size_t>(name_w) ? clean.substr(0, name_w - 1) + "~" : clean;
    std::string line = fmt::format("{:<{}} {:>9.1f} {:>7.1f} {:>9} {:>9} {:>9}", name, name_w, r.rate, r.error_pct,
                                   format_latency(r.p50_s), format_latency(r.p99_s), r.total);
    out += line.substr(0, static_cast<size_t>(width));
    out += "\n";
    --lines_left;
  }
}

}  // namespace

std::string render_top(const TopWindow& w, const TopStatus& st, int width, int height) {
  width = std::max(width, 40);
  std::string out;
  std::string header = fmt::format("callscope top - {}  every {:.1f}s  spans {}  ring buffer drops {}  (q: quit)",
                                   st.clock, st.interval_s, st.spans, st.ringbuf_drops);
  out += header.substr(0, static_cast<size_t>(width));
  out += "\n\n";
  int lines_left = std::max(height - 3, 4);
  // Half the rows for services, the rest for edges (more if services need fewer).
  int services_lines = std::min<int>(static_cast<int>(w.services.size()) + 1, lines_left / 2);
  services_lines = std::max(services_lines, 2);
  int edge_lines = lines_left - services_lines - 1;
  table("SERVICE", w.services, width, services_lines, out);
  out += "\n";
  table("EDGE (client -> server)", w.edges, width, edge_lines, out);
  return out;
}

}  // namespace cs
