#include "capture/ring_set.h"

#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace cs {

namespace {

// CLOCK_MONOTONIC of a time namespace runs at an offset from the kernel's (/proc/self/timens_offsets,
// Linux 5.6+; absent without time namespaces). bpf_ktime_get_ns() is the kernel's.
int64_t monotonic_offset_ns() {
  std::ifstream in("/proc/self/timens_offsets");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string clock;
    int64_t secs = 0, nsecs = 0;
    if (fields >> clock >> secs >> nsecs && (clock == "monotonic" || clock == "1")) return secs * 1'000'000'000 + nsecs;
  }
  return 0;
}

}  // namespace

RingSet::RingSet(std::vector<std::unique_ptr<RingReader>> rings)
    : rings_(std::move(rings)), lists_(rings_.size()), consumed_to_(rings_.size(), 0) {
  for (size_t i = 0; i < rings_.size(); ++i) consumed_to_[i] = rings_[i]->start();
  heap_.reserve(rings_.size());
}

std::unique_ptr<RingSet> RingSet::open(const std::vector<int>& ring_fds, std::string& error) {
  std::vector<std::unique_ptr<RingReader>> readers;
  for (int fd : ring_fds) {
    auto r = RingReader::open(fd, error);
    if (!r) return nullptr;
    readers.push_back(std::move(r));
  }
  auto set = std::make_unique<RingSet>(std::move(readers));
  set->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (set->epoll_fd_ < 0) {
    error = "cannot wait on the ring buffers (epoll_create1): " + std::string(std::strerror(errno));
    return nullptr;
  }
  for (size_t i = 0; i < ring_fds.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = i;
    if (epoll_ctl(set->epoll_fd_, EPOLL_CTL_ADD, ring_fds[i], &ev) != 0) {
      error = "cannot wait on the ring buffers (epoll_ctl): " + std::string(std::strerror(errno));
      return nullptr;
    }
  }
  set->clock_offset_ns_ = monotonic_offset_ns();
  return set;
}

RingSet::~RingSet() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

int RingSet::wait(int timeout_ms) {
  if (epoll_fd_ < 0) return 0;
  epoll_event ev[8];
  const int n = epoll_wait(epoll_fd_, ev, 8, timeout_ms);
  return n < 0 ? -errno : n;
}

uint64_t RingSet::kernel_now_ns() const {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec - clock_offset_ns_);
}

}  // namespace cs
