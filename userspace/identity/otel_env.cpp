#include "identity/otel_env.h"

namespace cs {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_resource_attributes(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view pair = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = percent_decode(trim(pair.substr(0, eq)));
    if (key.empty()) continue;
    out.emplace_back(std::move(key), percent_decode(trim(pair.substr(eq + 1))));
  }
  return out;
}

OtelEnv parse_otel_environ(std::string_view block) {
  OtelEnv env;
  std::string from_attributes;
  while (!block.empty()) {
    size_t nul = block.find('\0');
    std::string_view entry = block.substr(0, nul);
    block = nul == std::string_view::npos ? std::string_view() : block.substr(nul + 1);
    constexpr std::string_view kName = "OTEL_SERVICE_NAME=";
    constexpr std::string_view kAttrs = "OTEL_RESOURCE_ATTRIBUTES=";
    if (entry.substr(0, kName.size()) == kName) {
      env.service_name = std::string(trim(entry.substr(kName.size())));
    } else if (entry.substr(0, kAttrs.size()) == kAttrs) {
      env.resource.clear();
      for (auto& [k, v] : parse_resource_attributes(entry.substr(kAttrs.size()))) {
        if (k == "service.name")
          from_attributes = v;
        else
          env.resource.emplace_back(std::move(k), std::move(v));
      }
    }
  }
  if (env.service_name.empty()) env.service_name = from_attributes;
  return env;
}

}  // namespace cs
