#include "identity/identity_resolver.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "identity/cgroup_name.h"
#include "identity/command_line.h"
#include "identity/otel_env.h"
#include "identity/program_name.h"

namespace cs {

const char* name_source_label(NameSource s) {
  switch (s) {
    case NameSource::Env:
      return "env";
    case NameSource::Rule:
      return "rule";
    case NameSource::Cgroup:
      return "cgroup";
    case NameSource::Program:
      return "program";
    case NameSource::Comm:
      return "comm";
  }
  return "comm";
}

namespace {

constexpr size_t kMaxFile = 256 * 1024;  // environ/cmdline beyond this are cut (ARG_MAX is 2 MiB)
constexpr size_t kMaxNetFile = 32 << 20;  // /proc/PID/net/tcp*: ~150 bytes per socket of the namespace

bool read_file(const std::string& path, std::string& out, size_t max = kMaxFile) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  while (out.size() < max) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string s(buf, static_cast<size_t>(n));
  constexpr std::string_view kDeleted = " (deleted)";
  if (s.size() > kDeleted.size() && s.substr(s.size() - kDeleted.size()) == kDeleted)
    s.resize(s.size() - kDeleted.size());
  return s;
}

std::string system_host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// Inodes of the LISTEN sockets on `port` in /proc/PID/net/tcp or tcp6 text.
void listening_inodes(const std::string& text, uint16_t port, std::set<std::string>& out) {
  size_t pos = text.find('\n');  // header line
  while (pos != std::string::npos && pos + 1 < text.size()) {
    size_t end = text.find('\n', pos + 1);
    std::string line = text.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
    pos = end;
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    char* save = nullptr;
    std::vector<std::string> cols;
    for (char* tok = strtok_r(line.data(), " ", &save); tok; tok = strtok_r(nullptr, " ", &save)) cols.emplace_back(tok);
    if (cols.size() < 10 || cols[3] != "0A") continue;
    size_t colon = cols[1].rfind(':');
    if (colon == std::string::npos) continue;
    if (std::strtoul(cols[1].c_str() + colon + 1, nullptr, 16) != port) continue;
    out.insert(cols[9]);
  }
}

}  // namespace

IdentityResolver::IdentityResolver(IdentityConfig config) : config_(std::move(config)) {
  if (config_.host_name.empty()) config_.host_name = system_host_name();
}

std::string IdentityResolver::proc_file(uint32_t pid, const char* name) const {
  return config_.proc_root + "/" + std::to_string(pid) + "/" + name;
}

bool IdentityResolver::listens_on(uint32_t pid, uint16_t port) const {
  std::set<std::string> inodes;
  std::string text;
  if (read_file(proc_file(pid, "net/tcp"), text, kMaxNetFile)) listening_inodes(text, port, inodes);
  if (read_file(proc_file(pid, "net/tcp6"), text, kMaxNetFile)) listening_inodes(text, port, inodes);
  if (inodes.empty()) return false;
  std::string fd_dir = proc_file(pid, "fd");
  DIR* d = opendir(fd_dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string link = read_link(fd_dir + "/" + e->d_name);
    if (link.size() > 9 && link.compare(0, 8, "socket:[") == 0 &&
        inodes.count(link.substr(8, link.size() - 9))) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

std::string IdentityResolver::container_name(const std::string& id) const {
  std::string text;
  if (!read_file(config_.docker_root + "/" + id + "/config.v2.json", text)) return {};
  constexpr std::string_view kKey = "\"Name\":\"";
  size_t at = text.find(kKey);
  if (at == std::string::npos) return {};
  size_t start = at + kKey.size();
  if (start < text.size() && text[start] == '/') ++start;
  size_t end = text.find('"', start);
  if (end == std::string::npos) return {};
  return text.substr(start, end - start);
}

std::shared_ptr<const ProcessIdentity> IdentityResolver::resolve(uint32_t pid, std::string_view comm) {
  auto id = std::make_shared<ProcessIdentity>();
  id->pid = pid;
  id->comm = std::string(comm);
  ++resolved_;
  const NamingRules& rules = config_.rules;
  std::string text;
  std::vector<std::string> argv;
  std::string env_name;

  if (config_.read_proc) {
    if (read_file(proc_file(pid, "environ"), text)) {
      OtelEnv env = parse_otel_environ(text);
      env_name = std::move(env.service_name);
      id->resource = std::move(env.resource);
    }
    if (read_file(proc_file(pid, "cmdline"), text)) {
      if (!text.empty() && text.back() == '\0') text.pop_back();
      argv = split_cmdline(text);
      id->command_line = redacted_command_line(argv);
    }
    id->executable_path = read_link(proc_file(pid, "exe"));
    size_t slash = id->executable_path.rfind('/');
    id->executable_name = slash == std::string::npos ? id->executable_path : id->executable_path.substr(slash + 1);
    if (read_file(proc_file(pid, "cgroup"), text)) {
      CgroupName cg = parse_cgroup(text);
      id->systemd_unit = std::move(cg.systemd_unit);
      id->container_id = std::move(cg.container_id);
    }
  }

  auto set = [&](std::string name, NameSource src) {
    if (!id->service_name.empty() || name.empty()) return;
    id->service_name = std::move(name);
    id->source = src;
  };
  set(env_name, NameSource::Env);
  if (const std::string* n = rules.by_pid(pid)) set(*n, NameSource::Rule);
  if (!id->executable_path.empty())
    if (const std::string* n = rules.by_exe(id->executable_path)) set(*n, NameSource::Rule);
  if (config_.read_proc && id->service_name.empty())
    for (const auto& [port, name] : rules.port_rules())
      if (listens_on(pid, port)) {
        set(name, NameSource::Rule);
        break;
      }
  if (const std::string* n = rules.by_comm(comm)) set(*n, NameSource::Rule);
  if (!id->systemd_unit.empty()) set(unit_service_name(id->systemd_unit), NameSource::Cgroup);
  if (!id->container_id.empty()) set(container_name(id->container_id), NameSource::Cgroup);
  set(program_name(argv), NameSource::Program);
  set(std::string(comm), NameSource::Comm);
  if (id->service_name.empty()) id->service_name = "unknown";

  for (const auto& [k, v] : id->resource)
    if (k == "service.instance.id") id->instance_id = v;
  if (id->instance_id.empty()) id->instance_id = config_.host_name + ":" + std::to_string(pid);

  std::shared_ptr<const ProcessIdentity> out = std::move(id);
  if (by_pid_.size() >= config_.max_cached) bound_cache();
  by_pid_[pid] = out;
  return out;
}

void IdentityResolver::bound_cache() {
  for (auto it = by_pid_.begin(); it != by_pid_.end();)
    it = it->second.use_count() == 1 ? by_pid_.erase(it) : std::next(it);
  if (by_pid_.size() >= config_.max_cached) by_pid_.clear();  // every entry still held: start over
}

std::shared_ptr<const ProcessIdentity> IdentityResolver::lookup(uint32_t pid) const {
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? nullptr : it->second;
}

}  // namespace cs
