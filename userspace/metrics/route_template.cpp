#include "metrics/route_template.h"

#include <cctype>

namespace cs {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

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

bool folds(std::string_view s) {
  if (s.empty()) return false;
  size_t digits = 0, letters = 0, hex = 0, other = 0;
  for (char c : s) {
    if (is_digit(c))
      ++digits;
    else if (std::isalpha(static_cast<unsigned char>(c)))
      ++letters;
    else if (c == '-' || c == '_' || c == '.' || c == '~' || c == '=')
      ++other;
    else
      return false;  // '%', ':', ... : leave as is
    if (is_hex(c)) ++hex;
  }
  if (digits == s.size()) return true;
  if (uuid(s)) return true;
  if (s.size() >= 8 && hex == s.size() && digits > 0) return true;
  if (s.size() >= 16 && letters > 0 && digits >= 3) return true;
  if (s.size() >= 3 && digits * 2 > s.size()) return true;
  (void)other;
  return false;
}

}  // namespace

void template_route(std::string_view path, std::string& out) {
  out.clear();
  size_t cut = path.find_first_of("?#");
  if (cut != std::string_view::npos) path = path.substr(0, cut);
  if (path.empty() || path[0] != '/') {  // "*" (OPTIONS), absolute-form URLs: keep the path part only
    size_t scheme = path.find("://");
    if (scheme != std::string_view::npos) {
      size_t slash = path.find('/', scheme + 3);
      path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    } else if (path.empty()) {
      path = "/";
    }
  }
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      out.push_back('/');
      ++i;
      continue;
    }
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(i, end - i);
    if (folds(seg))
      out.append("{id}");
    else
      out.append(seg);
    i = end;
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
