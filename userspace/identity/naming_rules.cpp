#include "identity/naming_rules.h"

#include <charconv>

namespace cs {

namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

template <typename M, typename K>
const std::string* find_in(const M& m, const K& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

}  // namespace

bool NamingRules::add(std::string_view rule, std::string& error) {
  size_t colon = rule.find(':');
  size_t eq = rule.rfind('=');
  if (colon == std::string_view::npos || eq == std::string_view::npos || eq < colon) {
    error = "service name rule '" + std::string(rule) +
            "' is not KIND:VALUE=NAME (KIND: pid, exe, port or comm), e.g. port:8080=frontend";
    return false;
  }
  std::string_view kind = rule.substr(0, colon), value = rule.substr(colon + 1, eq - colon - 1);
  std::string name(rule.substr(eq + 1));
  if (value.empty() || name.empty()) {
    error = "service name rule '" + std::string(rule) + "' needs a VALUE and a NAME (KIND:VALUE=NAME)";
    return false;
  }
  if (kind == "pid") {
    uint32_t pid = 0;
    if (!parse_number(value, pid) || pid == 0) {
      error = "service name rule '" + std::string(rule) + "': '" + std::string(value) + "' is not a pid";
      return false;
    }
    pids_[pid] = name;
  } else if (kind == "port") {
    uint32_t port = 0;
    if (!parse_number(value, port) || port == 0 || port > 65535) {
      error = "service name rule '" + std::string(rule) + "': '" + std::string(value) + "' is not a TCP port";
      return false;
    }
    ports_[static_cast<uint16_t>(port)] = name;
  } else if (kind == "exe") {
    if (value[0] != '/') {
      error = "service name rule '" + std::string(rule) + "': exe needs an absolute path";
      return false;
    }
    exes_[std::string(value)] = name;
  } else if (kind == "comm") {
    if (value.size() > 15) {
      error = "service name rule '" + std::string(rule) + "': a comm has at most 15 characters";
      return false;
    }
    comms_[std::string(value)] = name;
  } else {
    error = "service name rule '" + std::string(rule) + "': unknown KIND '" + std::string(kind) +
            "' (expected pid, exe, port or comm)";
    return false;
  }
  return true;
}

const std::string* NamingRules::by_pid(uint32_t pid) const { return find_in(pids_, pid); }
const std::string* NamingRules::by_exe(std::string_view path) const { return find_in(exes_, std::string(path)); }
const std::string* NamingRules::by_port(uint16_t port) const { return find_in(ports_, port); }
const std::string* NamingRules::by_comm(std::string_view comm) const { return find_in(comms_, std::string(comm)); }

}  // namespace cs
