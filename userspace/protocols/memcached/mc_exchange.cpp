#include "protocols/memcached/mc_exchange.h"

#include <vector>

namespace cs::memcached {

namespace {

bool is_retrieval(std::string_view c) { return c == "get" || c == "gets" || c == "gat" || c == "gats"; }
bool is_meta(std::string_view c) { return c.size() == 2 && c[0] == 'm'; }

// The command with keys kept and every other argument as `?` (meta flags keep their letter).
std::string sanitized(std::string_view line) {
  std::vector<std::string_view> t;
  size_t i = 0;
  while (i < line.size() && t.size() < 64) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    t.push_back(line.substr(i, j - i));
    i = j;
  }
  std::string out;
  if (t.empty()) return out;
  const std::string_view c = t[0];
  out.append(c);
  for (size_t k = 1; k < t.size(); ++k) {
    out.push_back(' ');
    const std::string_view a = t[k];
    if (k > 16) {
      out.append("...");
      break;
    }
    if (is_retrieval(c)) {
      // get/gets: every argument is a key; gat/gats: the first is the expiry.
      if ((c == "gat" || c == "gats") && k == 1) out.push_back('?');
      else out.append(a);
      continue;
    }
    if (k == 1 && c != "verbosity" && c != "flush_all" && c != "stats") {  // the key
      out.append(a);
      continue;
    }
    if (c == "ms" && k == 2) {  // the data length
      out.push_back('?');
      continue;
    }
    if (a == "noreply") {
      out.append(a);
      continue;
    }
    if (is_meta(c) && !a.empty()) {  // a meta flag: its letter, `?` for its value
      out.push_back(a[0]);
      if (a.size() > 1) out.push_back('?');
      continue;
    }
    out.push_back('?');
  }
  return out;
}

}  // namespace

void McExchange::describe(const ExchangeContext& ctx, SpanFields& out) const {
  out.name = command.empty() ? std::string("memcached") : command;
  if (!error_line.empty()) {
    out.error = true;
    out.status_message = error_line;
  }
  out.attributes.reserve(out.attributes.size() + 10);
  out.attributes.push_back({"db.system.name", std::string("memcached")});
  if (!command.empty()) out.attributes.push_back({"db.operation.name", command});
  out.attributes.push_back({"db.query.text", ctx.raw_query_text ? line : sanitized(line)});
  if (!status.empty()) out.attributes.push_back({"db.response.status_code", status});
  if (kind == Kind::Retrieval && has_response && error_line.empty())
    out.attributes.push_back({"db.response.returned_rows", items});
  if (!error_line.empty()) out.attributes.push_back({"error.type", status});
  append_endpoint_attributes(ctx, out.attributes);
}

}  // namespace cs::memcached
