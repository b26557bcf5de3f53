// Service names a person gives on the command line (--service-name RULE, repeatable) or in the config
// file (service-name = RULE).
//
// Rules: RULE is KIND:VALUE=NAME with KIND one of
//   pid   - the process with this pid                      pid:1234=orders
//   exe   - the process whose executable is this path      exe:/opt/orders/bin/server=orders
//   port  - the process listening on this TCP port         port:8080=frontend
//   comm  - processes with this command name               comm:python3=legacy-python
// The most specific kind that matches wins: pid, then exe, then port, then comm. A replay has no /proc
// of the recorded processes: there only pid and comm rules apply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cs {

class NamingRules {
 public:
  // Adds one rule; false with `error` set (a sentence a person can act on) if it does not parse.
  bool add(std::string_view rule, std::string& error);

  const std::string* by_pid(uint32_t pid) const;
  const std::string* by_exe(std::string_view path) const;
  const std::string* by_port(uint16_t port) const;
  const std::string* by_comm(std::string_view comm) const;
  bool has_port_rules() const { return !ports_.empty(); }
  const std::unordered_map<uint16_t, std::string>& port_rules() const { return ports_; }
  bool empty() const { return pids_.empty() && exes_.empty() && ports_.empty() && comms_.empty(); }

 private:
  std::unordered_map<uint32_t, std::string> pids_;
  std::unordered_map<std::string, std::string> exes_;
  std::unordered_map<uint16_t, std::string> ports_;
  std::unordered_map<std::string, std::string> comms_;
};

}  // namespace cs
