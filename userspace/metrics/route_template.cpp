#include "metrics/route_template.h"

#include <cctype>

namespace cs {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!is_hex(s[i])) {
      return false;
    }
  }
  return true;
}

// Counts of one segment's characters, gathered in the same pass that copies it.
struct SegmentStats {
  size_t size = 0, digits = 0, letters = 0, hex = 0;
  bool plain = true;  // only letters, digits and - _ . ~ =
  void add(char c) {
    ++size;
    if (is_digit(c)) {
      ++digits;
      ++hex;
    } else if (is_alpha(c)) {
      ++letters;
      if (is_hex(c)) ++hex;
    } else if (c != '-' && c != '_' && c != '.' && c != '~' && c != '=') {
      plain = false;  // '%', ':', ... : leave the segment as it is
    }
  }
};

bool folds(std::string_view s, const SegmentStats& st) {
  if (st.size == 0 || !st.plain) return false;
  if (st.digits == st.size) return true;
  if (uuid(s)) return true;
  if (st.size >= 8 && st.hex == st.size && st.digits > 0) return true;
  if (st.size >= 16 && st.letters > 0 && st.digits >= 3) return true;
  if (st.size >= 3 && st.digits * 2 > st.size) return true;
  return false;
}

}  // namespace

void template_route(std::string_view path, std::string& out) {
  out.clear();
  for (size_t i = 0; i < path.size(); ++i)
    if (path[i] == '?' || path[i] == '#') {
      path = path.substr(0, i);
      break;
    }
  if (path.empty() || path[0] != '/') {
    size_t scheme = path.find("://");
    if (scheme != std::string_view::npos) {  // absolute-form URL: its path part
      size_t slash = path.find('/', scheme + 3);
      path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    } else if (path.empty()) {
      path = "/";
    } else {  // "*" (OPTIONS *) stays; anything else is no path
      out.assign(path == "*" ? "*" : "_OTHER");
      return;
    }
  }
  size_t seg = 0;
  SegmentStats st;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      std::string_view s = path.substr(seg, i - seg);
      if (folds(s, st))
        out.append("{id}", 4);
      else
        out.append(s.data(), s.size());
      if (i < path.size()) out.push_back('/');
      seg = i + 1;
      st = SegmentStats{};
    } else {
      st.add(path[i]);
    }
  }
}

std::string_view RouteTable::route(std::string_view service, std::string_view path) {
  template_route(path, buf_);
  service_key_.assign(service);
  auto sit = by_service_.find(service_key_);
  if (sit == by_service_.end()) sit = by_service_.emplace(service_key_, std::unordered_set<std::string>{}).first;
  auto& routes = sit->second;
  auto it = routes.find(buf_);
  if (it != routes.end()) return *it;
  if (routes.size() >= max_routes_) {
    ++overflowed_;
    return "_OTHER";
  }
  return *routes.insert(buf_).first;
}

size_t RouteTable::routes(std::string_view service) const {
  auto it = by_service_.find(std::string(service));
  return it == by_service_.end() ? 0 : it->second.size();
}

}  // namespace cs
