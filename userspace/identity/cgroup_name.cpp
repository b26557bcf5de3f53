#include "identity/cgroup_name.h"

#include <cctype>
#include <vector>

namespace cs {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view cgroup_path(std::string_view text) {
  std::string_view v1;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.substr(0, 3) == "0::") return line.substr(3);
    size_t c = line.find(":name=systemd:");
    if (c != std::string_view::npos) v1 = line.substr(c + 14);
  }
  return v1;
}

std::string hex64_in(std::string_view comp) {
  size_t run = 0;
  for (size_t i = 0; i < comp.size(); ++i) {
    if (std::isxdigit(static_cast<unsigned char>(comp[i])) && !std::isupper(static_cast<unsigned char>(comp[i]))) {
      if (++run == 64 && (i + 1 == comp.size() || !std::isxdigit(static_cast<unsigned char>(comp[i + 1]))))
        return std::string(comp.substr(i + 1 - 64, 64));
    } else {
      run = 0;
    }
  }
  return {};
}

bool session_unit(std::string_view unit) {
  return unit.substr(0, 5) == "user@" || unit.substr(0, 6) == "getty@" || unit.substr(0, 13) == "serial-getty@" ||
         unit == "ssh.service" || unit == "sshd.service" || unit.substr(0, 5) == "sshd@" ||
         unit == "systemd-logind.service";
}

}  // namespace

CgroupName parse_cgroup(std::string_view text) {
  CgroupName out;
  std::string_view path = cgroup_path(text);
  std::vector<std::string_view> comps;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view c = path.substr(0, slash);
    if (!c.empty()) comps.push_back(c);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  if (!comps.empty()) out.container_id = hex64_in(comps.back());
  if (!out.container_id.empty()) return out;
  for (auto it = comps.rbegin(); it != comps.rend(); ++it) {
    if (ends_with(*it, ".service")) {
      if (!session_unit(*it)) out.systemd_unit = std::string(*it);
      break;
    }
  }
  return out;
}

std::string unit_service_name(std::string_view unit) {
  if (ends_with(unit, ".service")) unit.remove_suffix(8);
  return std::string(unit);
}

}  // namespace cs
