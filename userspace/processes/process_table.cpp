#include "processes/process_table.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cs {

ProcessTable::ProcessTable(size_t max_processes, IdentityResolver* resolver)
    : max_processes_(std::max<size_t>(max_processes, 2)), resolver_(resolver) {}

void ProcessTable::seen(const cs_event_header& h) {
  Slot& s = slot(h.pid);
  ProcessInfo* p = s.info;
  if (p == nullptr || s.pid != h.pid) {
    auto it = by_pid_.find(h.pid);
    p = it != by_pid_.end() ? &it->second : &insert(h.pid);
    s.pid = h.pid;  // (an eviction in insert() cleared the cache; the slot itself stays valid)
    s.info = p;
  }
  p->last_seen_ns = h.ts_ns;
  if (h.comm[0] == '\0') return;  // the kernel did not say (it repeats a comm only when it may have changed)
  if (std::memcmp(p->comm, h.comm, CS_COMM_LEN) != 0 || p->service_name.empty()) {
    std::memcpy(p->comm, h.comm, CS_COMM_LEN);
    const std::string_view comm(p->comm, strnlen(p->comm, CS_COMM_LEN));
    if (resolver_ != nullptr) {
      p->identity = resolver_->resolve(h.pid, comm);
      p->service_name = p->identity->service_name;
    } else {
      p->service_name.assign(comm);
    }
  }
}

ProcessInfo& ProcessTable::insert(uint32_t pid) {
  if (by_pid_.size() >= max_processes_) evict_oldest_half();
  return by_pid_[pid];
}

void ProcessTable::evict_oldest_half() {
  std::vector<uint64_t> seen_at;
  seen_at.reserve(by_pid_.size());
  for (const auto& [pid, info] : by_pid_) seen_at.push_back(info.last_seen_ns);
  auto mid = seen_at.begin() + static_cast<std::ptrdiff_t>(seen_at.size() / 2);
  std::nth_element(seen_at.begin(), mid, seen_at.end());
  const uint64_t cut = *mid;
  const size_t target = by_pid_.size() - by_pid_.size() / 2;  // keep at most this many
  for (auto it = by_pid_.begin(); it != by_pid_.end() && by_pid_.size() > target;) {
    if (it->second.last_seen_ns <= cut) {
      it = by_pid_.erase(it);
      ++evicted_;
    } else {
      ++it;
    }
  }
  cache_.fill(Slot{});
}

void ProcessTable::exited(uint32_t pid) {
  Slot& s = slot(pid);
  if (s.pid == pid) s = Slot{};
  by_pid_.erase(pid);
}

const ProcessInfo* ProcessTable::find(uint32_t pid) const {
  const Slot& s = slot(pid);
  if (s.info != nullptr && s.pid == pid) return s.info;
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? nullptr : &it->second;
}

std::string_view ProcessTable::service_name(uint32_t pid) const {
  const ProcessInfo* p = find(pid);
  return p == nullptr ? std::string_view() : std::string_view(p->service_name);
}

}  // namespace cs
