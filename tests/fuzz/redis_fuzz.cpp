// Fuzz target for the redis session: a script of segments for both directions (format and invariants in
// db_session_fuzz.h). Seeds: tests/fuzz/corpus/redis_fuzz/ (recorded conversations, some with losses).
#include "fuzz/db_session_fuzz.h"
#include "protocols/redis/redis_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return cs::dbfuzz::run(cs::redis::redis_protocol(), data, size);
}
