#include "capture/ring_reader.h"

#include <linux/bpf.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cs {

namespace {

std::string errno_text(int err) { return std::string(std::strerror(err)); }

// BPF_OBJ_GET_INFO_BY_FD without libbpf (this file has no libbpf dependency, so the unit tests use it).
int map_info(int fd, bpf_map_info& info) {
  bpf_attr attr{};
  std::memset(&info, 0, sizeof info);
  attr.info.bpf_fd = static_cast<uint32_t>(fd);
  attr.info.info_len = sizeof info;
  attr.info.info = reinterpret_cast<uint64_t>(&info);
  return static_cast<int>(syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof attr));
}

}  // namespace

RingReader::RingReader(uint64_t* consumer_pos, const uint64_t* producer_pos, const uint8_t* data,
                       uint64_t data_size)
    : consumer_pos_(consumer_pos),
      producer_pos_(producer_pos),
      data_(data),
      mask_(data_size - 1),
      consumed_(__atomic_load_n(consumer_pos, __ATOMIC_ACQUIRE)) {}

std::unique_ptr<RingReader> RingReader::open(int map_fd, std::string& error) {
  bpf_map_info info{};
  if (map_info(map_fd, info) != 0) {
    error = "cannot read the ring buffer map's info: " + errno_text(errno);
    return nullptr;
  }
  if (info.type != BPF_MAP_TYPE_RINGBUF || info.max_entries == 0 ||
      (info.max_entries & (info.max_entries - 1)) != 0) {
    error = "map fd " + std::to_string(map_fd) + " is not a BPF ring buffer of a power-of-two size";
    return nullptr;
  }
  const long page = sysconf(_SC_PAGESIZE);
  const uint64_t size = info.max_entries;
  void* cons = mmap(nullptr, static_cast<size_t>(page), PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (cons == MAP_FAILED) {
    error = "cannot map the ring buffer's consumer page: " + errno_text(errno);
    return nullptr;
  }
  const size_t prod_len = static_cast<size_t>(page) + 2 * static_cast<size_t>(size);
  void* prod = mmap(nullptr, prod_len, PROT_READ, MAP_SHARED, map_fd, page);
  if (prod == MAP_FAILED) {
    error = "cannot map the ring buffer's data pages: " + errno_text(errno);
    munmap(cons, static_cast<size_t>(page));
    return nullptr;
  }
  std::unique_ptr<RingReader> r(new RingReader(static_cast<uint64_t*>(cons), static_cast<const uint64_t*>(prod),
                                               static_cast<const uint8_t*>(prod) + page, size));
  r->consumer_map_ = cons;
  r->producer_map_ = prod;
  r->producer_map_len_ = prod_len;
  r->page_ = static_cast<size_t>(page);
  return r;
}

RingReader::~RingReader() {
  if (producer_map_) munmap(producer_map_, producer_map_len_);
  if (consumer_map_) munmap(consumer_map_, page_);
}

}  // namespace cs
