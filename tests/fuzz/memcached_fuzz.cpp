// Fuzz target for the memcached session: a script of segments for both directions (format and invariants in
// db_session_fuzz.h). Seeds: tests/fuzz/corpus/memcached_fuzz/ (recorded conversations, some with losses).
#include "fuzz/db_session_fuzz.h"
#include "protocols/memcached/mc_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return cs::dbfuzz::run(cs::memcached::memcached_protocol(), data, size);
}
