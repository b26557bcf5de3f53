#include "protocols/http1/http1_options.h"

#include <algorithm>
#include <cctype>

namespace cs::http1 {

namespace {

// RFC 9110 token characters.
bool is_tchar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::string make_http1_options(bool raw_url_query, const std::vector<std::string>& header_names, Http1Options& out) {
  out = Http1Options{};
  out.raw_url_query = raw_url_query;
  for (const auto& name : header_names) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); }))
      return "--http-header '" + name + "': not an HTTP header name";
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(out.headers.begin(), out.headers.end(), lower) != out.headers.end())
      return "--http-header '" + name + "': given twice";
    out.headers.push_back(lower);
    out.request_keys.push_back("http.request.header." + lower);
    out.response_keys.push_back("http.response.header." + lower);
  }
  return "";
}

const Http1Options& default_http1_options() {
  static const Http1Options defaults;
  return defaults;
}

std::string redact_query(std::string_view query) {
  std::string out;
  out.reserve(query.size());
  size_t p = 0;
  while (true) {
    const size_t amp = query.find('&', p);
    const std::string_view part = query.substr(p, amp == std::string_view::npos ? std::string_view::npos : amp - p);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (!part.empty()) out += "REDACTED";
    } else {
      out.append(part.substr(0, eq + 1));
      if (eq + 1 < part.size()) out += "REDACTED";
    }
    if (amp == std::string_view::npos) break;
    out.push_back('&');
    p = amp + 1;
  }
  return out;
}

}  // namespace cs::http1
