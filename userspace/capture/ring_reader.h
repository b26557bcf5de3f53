// One BPF ring buffer (BPF_MAP_TYPE_RINGBUF) seen from user space: its committed records in order, and
// the consumer position that gives their space back to the kernel.
//
// Rules:
//  - Records are read strictly in ring order; a record still being written (busy bit) ends what can be
//    read now, whatever follows it. Discarded records are skipped.
//  - Reading does not consume: consume(pos) gives the space back up to pos, once per batch. The consumer
//    position is the one value producers read under the ring's lock; publishing it after every record (as
//    libbpf's reader does) moves that cache line to the reading CPU each time.
//  - No allocation, no system call per record.
// Layout (kernel/bpf/ringbuf.c, a stable ABI): page 0 holds consumer_pos (read-write), the next page
// producer_pos (read-only), then the data area mapped twice, so that a record that wraps is contiguous.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cs {

class RingReader {
 public:
  // Maps the ring buffer of map `map_fd` (max_entries = data bytes, a power of two). nullptr and a
  // message on failure.
  static std::unique_ptr<RingReader> open(int map_fd, std::string& error);
  // Over memory laid out as above, not owned (tests). `data` must be readable for 2 * data_size bytes,
  // the second half mirroring the first.
  RingReader(uint64_t* consumer_pos, const uint64_t* producer_pos, const uint8_t* data, uint64_t data_size);
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Calls f(const void* record, size_t size, uint64_t end) for the committed records from `from` (a
  // position returned as `end` before, or start()) on, while f returns true; stops at the first record
  // still being written. `end` is the position after the record. Returns the position reached.
  template <class F>
  uint64_t read(uint64_t from, F&& f) const {
    const uint64_t prod = __atomic_load_n(producer_pos_, __ATOMIC_ACQUIRE);
    uint64_t pos = from;
    while (pos < prod) {
      const auto* hdr = reinterpret_cast<const uint32_t*>(data_ + (pos & mask_));
      const uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
      if (len & kBusyBit) break;
      const uint32_t size = len & ~(kBusyBit | kDiscardBit);
      const uint64_t end = pos + ((static_cast<uint64_t>(size) + kHeaderBytes + 7) & ~uint64_t{7});
      if (!(len & kDiscardBit) && !f(static_cast<const void*>(hdr + 2), static_cast<size_t>(size), end)) break;
      pos = end;
    }
    return pos;
  }

  // Where unconsumed records start.
  uint64_t start() const { return consumed_; }
  // Gives the space before `pos` back to the kernel (no-op if already).
  void consume(uint64_t pos) {
    if (pos <= consumed_) return;
    __atomic_store_n(consumer_pos_, pos, __ATOMIC_RELEASE);
    consumed_ = pos;
  }
  // Bytes written but not consumed (committed or not).
  uint64_t pending_bytes() const { return __atomic_load_n(producer_pos_, __ATOMIC_ACQUIRE) - consumed_; }
  uint64_t size() const { return mask_ + 1; }

 private:
  static constexpr uint32_t kBusyBit = 1u << 31;
  static constexpr uint32_t kDiscardBit = 1u << 30;
  static constexpr uint64_t kHeaderBytes = 8;

  uint64_t* consumer_pos_;
  const uint64_t* producer_pos_;
  const uint8_t* data_;
  uint64_t mask_;
  uint64_t consumed_;
  // Owned mappings (open() only).
  void* consumer_map_ = nullptr;
  void* producer_map_ = nullptr;
  size_t producer_map_len_ = 0;
  size_t page_ = 0;
};

}  // namespace cs
