#include "protocols/http1/http1_head.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cs::http1 {
namespace {

// Offset of the first `c` in s[from, s.size()), or npos. Inline, 16 bytes at a time: header lines are
// short, and a library call per line costs more than the scan.
inline size_t find_byte(std::string_view s, size_t from, char c) {
  const char* b = s.data();
  const size_t n = s.size();
  size_t i = from;
#if defined(__SSE2__)
  const __m128i want = _mm_set1_epi8(c);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    const auto hits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, want)));
    if (hits != 0) return i + static_cast<size_t>(__builtin_ctz(hits));
  }
#endif
  for (; i < n; ++i)
    if (b[i] == c) return i;
  return std::string_view::npos;
}

// Methods accepted at a message start. The first nine are the ones detect() trusts; the rest are
// WebDAV and cache methods seen on real services.
constexpr std::string_view kMethods[] = {
    "GET",  "POST",     "PUT",       "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE",
    "COPY", "LOCK",     "MKCOL",     "MOVE",   "PROPFIND", "PROPPATCH", "UNLOCK", "REPORT",
    "SEARCH", "PURGE"};
constexpr size_t kCommonMethods = 9;
constexpr std::string_view kResponseStart = "HTTP/1.";

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Case-insensitive equality against an all-lowercase literal.
bool iequals(std::string_view s, std::string_view lower_lit) {
  if (s.size() != lower_lit.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (lower(s[i]) != lower_lit[i]) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view lower_lit) {
  return s.size() >= lower_lit.size() && iequals(s.substr(0, lower_lit.size()), lower_lit);
}

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
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp2 == sp1) return false;
  std::string_view version;
  if (!parse_version(line.substr(sp2 + 1), version)) return false;
  std::string_view target = trim(line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (target.empty()) return false;
  m.method.assign(line.substr(0, sp1));
  m.version.assign(version);
  m.target.assign(target);
  std::string_view path = target;
  // absolute-form: scheme://authority/path -> path; authority stands in for a missing Host header.
  if (istarts_with(path, "http://") || istarts_with(path, "https://")) {
    path.remove_prefix(path[4] == ':' ? 7 : 8);
    const size_t slash = find_path_end(path, true);
    const std::string_view authority = path.substr(0, slash);
    if (!authority.empty()) m.host.assign(authority);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    if (!path.empty() && path.front() != '/') path = "/";
  }
  const size_t q = find_path_end(path, false);
  m.path.assign(path.substr(0, q));
  if (m.path.empty()) m.path = "/";
  return true;
}

bool parse_status_line(std::string_view line, Http1Head& m) {
  std::string_view version;
  if (line.size() < 12 || !parse_version(line.substr(0, 8), version) || line[8] != ' ') return false;
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100) return false;
  m.version.assign(version);
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
    const size_t comma = v.find(',');
    const std::string_view tok = trim(v.substr(0, comma));
    if (!tok.empty()) f(tok);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

enum class Kept : uint8_t { None, Host, Traceparent, Connection, TransferEncoding, ContentLength };

// Can a header line starting with `c` be one parse_head() keeps (a kept name, case-insensitive) or continue
// one (obs-fold)? Lines it rejects are ignored without looking further into them.
inline bool might_be_kept(char c) {
  const char l = static_cast<char>(c | 0x20);  // ASCII letters to lower case; no other byte becomes h, c or t
  return l == 'h' || l == 'c' || l == 't' || is_ows(c);
}

Kept classify(std::string_view name) {
  switch (name.size()) {
    case 4: return iequals(name, "host") ? Kept::Host : Kept::None;
    case 10: return iequals(name, "connection") ? Kept::Connection : Kept::None;
    case 11: return iequals(name, "traceparent") ? Kept::Traceparent : Kept::None;
    case 14: return iequals(name, "content-length") ? Kept::ContentLength : Kept::None;
    case 17: return iequals(name, "transfer-encoding") ? Kept::TransferEncoding : Kept::None;
    default: return Kept::None;
  }
}

}  // namespace

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

bool parse_head(std::string_view head, bool request, Http1Message& m, HeadFraming& f, size_t* head_end) {
  size_t nl = find_byte(head, 0, '\n');
  std::string_view line = head.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!(request ? parse_request_line(line, m) : parse_status_line(line, m))) return false;

  const bool http10 = m.version == "1.0";
  std::string_view te_last;  // last transfer coding seen
  bool host_from_header = false;
  Kept last = Kept::None;    // header an obs-fold continuation line belongs to
  size_t end = std::string_view::npos;
  size_t p = nl == std::string_view::npos ? head.size() : nl + 1;
  while (p < head.size()) {
    nl = find_byte(head, p, '\n');
    line = head.substr(p, (nl == std::string_view::npos ? head.size() : nl) - p);
    p = nl == std::string_view::npos ? head.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (nl != std::string_view::npos) end = p;
      break;
    }

    Kept kind;
    std::string_view value;
    if (!might_be_kept(line.front())) {  // most headers: no need to look for the colon
      last = Kept::None;
      continue;
    }
    if (is_ows(line.front())) {  // obs-fold: continues the previous header's value
      kind = last;
      value = trim(line);
      if (kind == Kept::ContentLength) return false;
      if (kind == Kept::Host || kind == Kept::Traceparent) {
        std::string& dst = kind == Kept::Host ? m.host : m.traceparent;
        if (!value.empty()) {
          if (!dst.empty()) dst.push_back(' ');
          dst.append(value);
        }
        continue;
      }
    } else {
      const size_t colon = find_byte(line, 0, ':');
      if (colon == std::string_view::npos || colon == 0) {  // not a header line: tolerated, ignored
        last = Kept::None;
        continue;
      }
      kind = classify(trim(line.substr(0, colon)));
      value = trim(line.substr(colon + 1));
      last = kind;
    }
    switch (kind) {
      case Kept::None: break;
      case Kept::Host:
        if (!host_from_header) m.host.assign(value);  // first Host wins (and beats an absolute-form authority)
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
