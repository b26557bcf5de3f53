#include "protocols/http1/http1_head.h"

#include <cstdint>
#include <cstring>

#include "protocols/http1/text_scan.h"

namespace cs::http1 {
namespace {

// Methods accepted at a message start. The first nine are the ones detect() trusts; the rest are
// WebDAV and cache methods seen on real services.
constexpr std::string_view kMethods[] = {
    "GET",  "POST",     "PUT",       "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE",
    "COPY", "LOCK",     "MKCOL",     "MOVE",   "PROPFIND", "PROPPATCH", "UNLOCK", "REPORT",
    "SEARCH", "PURGE"};
constexpr size_t kCommonMethods = 9;
constexpr std::string_view kResponseStart = "HTTP/1.";

inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "HTTP/d.d" -> "d.d"
bool parse_version(std::string_view v, std::string_view& out) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7]))
    return false;
  out = v.substr(5);
  return true;
}

// Matches `s` against `lit` + optional trailing space requirement: Yes, Partial (s is a prefix) or No.
StartMatch match_literal(std::string_view s, std::string_view lit, bool space_after) {
  const size_t need = lit.size() + (space_after ? 1 : 0);
  const size_t n = s.size() < need ? s.size() : need;
  for (size_t i = 0; i < n; ++i) {
    const char want = i < lit.size() ? lit[i] : ' ';
    if (s[i] != want) return StartMatch::No;
  }
  return n == need ? StartMatch::Yes : StartMatch::Partial;
}

// Offset of the first '?' or '#' (and '/' if `or_slash`) in `s`, or npos. (string_view::find_first_of
// costs a library call per byte.)
size_t find_path_end(std::string_view s, bool or_slash) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '?' || c == '#' || (or_slash && c == '/')) return i;
  }
  return std::string_view::npos;
}

bool parse_request_line(std::string_view line, Http1Head& m) {
  const size_t sp1 = find_byte(line, 0, ' ');
  // The last space: usually the one before "HTTP/d.d" at the end (which holds none).
  const size_t sp2 = line.size() >= 9 && line[line.size() - 9] == ' ' ? line.size() - 9 : line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp2 == sp1) return false;
  std::string_view version;
  if (!parse_version(line.substr(sp2 + 1), version)) return false;
  std::string_view target = trim(line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (target.empty()) return false;
  std::string_view path = target;
  std::string_view authority;
  // absolute-form: scheme://authority/path -> path; authority stands in for a missing Host header.
  if (istarts_with(path, "http://") || istarts_with(path, "https://")) {
    path.remove_prefix(path[4] == ':' ? 7 : 8);
    const size_t slash = find_path_end(path, true);
    authority = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    if (!path.empty() && path.front() != '/') path = "/";
  }
  const size_t q = find_path_end(path, false);
  path = path.substr(0, q);
  m.set_request_line(line, line.substr(0, sp1), target, path.empty() ? std::string_view("/") : path, version,
                     authority);
  return true;
}

bool parse_status_line(std::string_view line, Http1Head& m) {
  std::string_view version;
  if (line.size() < 12 || !parse_version(line.substr(0, 8), version) || line[8] != ' ') return false;
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100) return false;
  m.set_version(version);
  m.status = status;
  return true;
}

bool parse_content_length(std::string_view v, uint64_t& out) {
  if (v.empty() || v.size() > 19) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (!is_digit(c)) return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  out = n;
  return true;
}

// Calls f(token) for each comma-separated token of a header value, trimmed, empty ones skipped.
template <class F>
void for_each_token(std::string_view v, F&& f) {
  while (!v.empty()) {
    const size_t comma = find_byte(v, 0, ',');
    const std::string_view tok = trim(v.substr(0, comma));
    if (!tok.empty()) f(tok);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

enum class Kept : uint8_t { None, Host, Traceparent, Connection, TransferEncoding, ContentLength };

// Is `line` (not empty, not starting with OWS) a header parse_head() keeps? A header line is
// name OWS ':' OWS value OWS; names are matched case-insensitively. Any other line (another header, or no
// header at all) is None: both are ignored alike, so most lines are rejected by their first byte without
// looking for the colon. On a match, `value` is the trimmed value.
// Is `line` the header `lower_name` ("name:", OWS allowed before the colon)? Then `value` is its value.
bool header_named(std::string_view line, std::string_view lower_name, std::string_view& value) {
  const size_t n = lower_name.size();
  if (line.size() <= n || !iequals(line.substr(0, n), lower_name)) return false;
  size_t i = n;
  while (i < line.size() && is_ows(line[i])) ++i;
  if (i == line.size() || line[i] != ':') return false;
  value = trim(line.substr(i + 1));
  return true;
}

Kept match_kept_header(std::string_view line, std::string_view& value) {
  auto named = [&](std::string_view lower_name) { return header_named(line, lower_name, value); };
  switch (line[0] | 0x20) {  // ASCII letters to lower case; no other byte becomes h, c or t
    case 'h':
      return named("host") ? Kept::Host : Kept::None;
    case 'c':
      if (named("connection")) return Kept::Connection;
      return named("content-length") ? Kept::ContentLength : Kept::None;
    case 't':
      if (named("traceparent")) return Kept::Traceparent;
      return named("transfer-encoding") ? Kept::TransferEncoding : Kept::None;
    default:
      return Kept::None;
  }
}

}  // namespace

void Http1Head::set_request_line(std::string_view line, std::string_view method, std::string_view target,
                                 std::string_view path, std::string_view version, std::string_view authority) {
  const auto base = static_cast<uint32_t>(text_.size());
  text_.append(line);
  auto inside = [&](std::string_view part, Field& f) {
    // Offset of `part` in `line` (a part before the line wraps around to a huge offset).
    const uintptr_t at = reinterpret_cast<uintptr_t>(part.data()) - reinterpret_cast<uintptr_t>(line.data());
    if (at <= line.size() && part.size() <= line.size() - at) {
      f.at = base + static_cast<uint32_t>(at);
      f.len = static_cast<uint32_t>(part.size());
    } else {
      put(f, part);  // not a piece of the line (the "/" of a target without a path)
    }
  };
  inside(method, method_);
  inside(target, target_);
  inside(path, path_);
  inside(version, version_);
  if (!authority.empty()) inside(authority, host_);
}

void Http1Head::continue_host(std::string_view v) {
  if (host_.len == 0) {
    set_host(v);
    return;
  }
  if (host_.at + host_.len != text_.size()) set_host(host());  // move it to the end, where it can grow
  text_.push_back(' ');
  text_.append(v);
  host_.len += static_cast<uint32_t>(1 + v.size());
}

void Http1Head::clear() {
  status = 0;
  keep_alive = true;
  head_end_pos = 0;
  text_.clear();
  method_ = target_ = path_ = host_ = version_ = Field{};
  header_values.clear();
}

StartMatch match_message_start(std::string_view s, bool request) {
  if (!request) return match_literal(s, kResponseStart, false);
  bool partial = false;
  for (std::string_view m : kMethods) {
    const StartMatch r = match_literal(s, m, true);
    if (r == StartMatch::Yes) return r;
    partial = partial || r == StartMatch::Partial;
  }
  return partial ? StartMatch::Partial : StartMatch::No;
}

bool starts_with_common_method(std::string_view s) {
  for (size_t i = 0; i < kCommonMethods; ++i)
    if (match_literal(s, kMethods[i], true) == StartMatch::Yes) return true;
  return false;
}

size_t find_head_end(std::string_view s, size_t from) {
  const char* b = s.data();
  const size_t n = s.size();
  size_t i = from;
  while (i < n) {
    const void* q = std::memchr(b + i, '\n', n - i);
    if (q == nullptr) return std::string_view::npos;
    const size_t k = static_cast<size_t>(static_cast<const char*>(q) - b);
    if (k + 1 < n) {
      if (b[k + 1] == '\n') return k + 2;
      if (b[k + 1] == '\r' && k + 2 < n && b[k + 2] == '\n') return k + 3;
    }
    i = k + 1;
  }
  return std::string_view::npos;
}

bool parse_head(std::string_view head, bool request, Http1Message& m, HeadFraming& f, size_t* head_end,
                const std::vector<std::string>* keep) {
  m.header_values.clear();
  if (keep != nullptr && !keep->empty()) m.header_values.resize(keep->size());
  NewlineScanner newlines(head);
  size_t nl = newlines.next();
  std::string_view line = head.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!(request ? parse_request_line(line, m) : parse_status_line(line, m))) return false;

  const bool http10 = m.version() == "1.0";
  std::string_view te_last;  // last transfer coding seen
  bool host_from_header = false;
  Kept last = Kept::None;    // header an obs-fold continuation line belongs to
  size_t end = std::string_view::npos;
  size_t p = nl == std::string_view::npos ? head.size() : nl + 1;
  while (p < head.size()) {
    nl = newlines.next();
    line = head.substr(p, (nl == std::string_view::npos ? head.size() : nl) - p);
    p = nl == std::string_view::npos ? head.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (nl != std::string_view::npos) end = p;
      break;
    }

    Kept kind;
    std::string_view value;
    if (is_ows(line.front())) {  // obs-fold: continues the previous header's value
      kind = last;
      value = trim(line);
      if (kind == Kept::ContentLength) return false;
      if (kind == Kept::Host) {
        if (!value.empty()) m.continue_host(value);
        continue;
      }
      if (kind == Kept::Traceparent) {
        if (!value.empty()) {
          if (!m.traceparent.empty()) m.traceparent.push_back(' ');
          m.traceparent.append(value);
        }
        continue;
      }
    } else {
      for (size_t i = 0; i < m.header_values.size(); ++i) {  // headers named by --http-header
        std::string_view named_value;
        if (!header_named(line, (*keep)[i], named_value)) continue;
        std::string& dst = m.header_values[i];
        if (!dst.empty()) dst.append(", ");
        dst.append(named_value);
      }
      kind = match_kept_header(line, value);  // lines that are no header at all are tolerated, ignored
      last = kind;
      if (kind == Kept::None) continue;
    }
    switch (kind) {
      case Kept::None: break;
      case Kept::Host:
        if (!host_from_header) m.set_host(value);  // first Host wins (and beats an absolute-form authority)
        host_from_header = true;
        break;
      case Kept::Traceparent:
        if (m.traceparent.empty()) m.traceparent.assign(value);
        break;
      case Kept::ContentLength: {
        bool ok = true;
        // "5, 5" (a list of identical values) is accepted, anything else conflicting is not.
        for_each_token(value, [&](std::string_view tok) {
          uint64_t v = 0;
          if (!parse_content_length(tok, v) || (f.has_content_length && v != f.content_length)) ok = false;
          f.has_content_length = true;
          f.content_length = v;
        });
        if (!ok || !f.has_content_length) return false;
        break;
      }
      case Kept::TransferEncoding:
        for_each_token(value, [&](std::string_view tok) { te_last = tok; });
        f.other_transfer_coding = true;  // settled after all headers
        break;
      case Kept::Connection:
        for_each_token(value, [&](std::string_view tok) {
          if (iequals(tok, "close")) f.conn_close = true;
          else if (iequals(tok, "keep-alive")) f.conn_keep_alive = true;
        });
        break;
    }
  }
  if (f.other_transfer_coding) {
    // Transfer-Encoding overrides Content-Length.
    f.chunked = iequals(trim(te_last.substr(0, te_last.find(';'))), "chunked");
    f.other_transfer_coding = !f.chunked;
    f.has_content_length = false;
    // A request whose body length cannot be known cannot be framed.
    if (request && f.other_transfer_coding) return false;
  }
  m.keep_alive = http10 ? (f.conn_keep_alive && !f.conn_close) : !f.conn_close;
  if (head_end != nullptr) *head_end = end;
  return true;
}

}  // namespace cs::http1
