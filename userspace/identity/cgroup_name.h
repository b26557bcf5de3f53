// What the cgroup of a process (/proc/PID/cgroup) says about the service it belongs to.
//
// Rules:
//  - The cgroup v2 line ("0::/path") is read, else the v1 "name=systemd" line.
//  - systemd_unit: the last path component ending in ".service", except user@UID.service (a user's
//    session manager: every program a person starts lives under it) and template-less getty/ssh units
//    that only hold sessions. Scopes (session-N.scope, run-*.scope) name no service.
//  - container_id: a 64-hex-digit id in the last path component (docker-ID.scope, cri-containerd-ID.scope,
//    crio-ID.scope, libpod-ID.scope, /docker/ID, /kubepods/.../ID).
#pragma once

#include <string>
#include <string_view>

namespace cs {

struct CgroupName {
  std::string systemd_unit;   // "orders.service"
  std::string container_id;   // 64 hex digits
};

CgroupName parse_cgroup(std::string_view proc_cgroup_text);
// "orders.service" -> "orders"; "app@1.service" -> "app@1".
std::string unit_service_name(std::string_view unit);

}  // namespace cs
