// Span and trace ids. Ids come from a counter mixed with a seed (splitmix64), so the same events with the
// same seed give the same ids whatever the timing of emission (live agent and replay agree).
#pragma once

#include <cstdint>

#include "spans/span.h"

namespace cs {

class IdGenerator {
 public:
  explicit IdGenerator(uint64_t seed);  // seed 0: a random seed from the OS
  uint64_t next_span_id();              // never 0
  TraceId trace_id_for(uint64_t root_span_id) const;  // never all-zero
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

uint64_t splitmix64(uint64_t x);

}  // namespace cs
