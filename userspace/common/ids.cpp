#include "common/ids.h"

#include <random>

namespace cs {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

IdGenerator::IdGenerator(uint64_t seed) : seed_(seed) {
  if (seed_ == 0) {
    std::random_device rd;
    seed_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    if (seed_ == 0) seed_ = 1;
  }
}

uint64_t IdGenerator::next_span_id() {
  uint64_t id;
  do {
    id = splitmix64(seed_ ^ splitmix64(++counter_));
  } while (id == 0);
  return id;
}

TraceId IdGenerator::trace_id_for(uint64_t root_span_id) const {
  TraceId t;
  uint64_t hi = splitmix64(seed_ + 0x5bd1e995ULL * root_span_id);
  uint64_t lo = splitmix64(hi ^ root_span_id);
  if (hi == 0 && lo == 0) lo = 1;
  for (int i = 0; i < 8; ++i) {
    t.bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    t.bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  return t;
}

}  // namespace cs
