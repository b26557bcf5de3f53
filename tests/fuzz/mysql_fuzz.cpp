// Fuzz target for the mysql session: a script of segments for both directions (format and invariants in
// db_session_fuzz.h). Seeds: tests/fuzz/corpus/mysql_fuzz/ (recorded conversations, some with losses).
#include "fuzz/db_session_fuzz.h"
#include "protocols/mysql/mysql_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return cs::dbfuzz::run(cs::mysql::mysql_protocol(), data, size);
}
