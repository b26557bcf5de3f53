// Why a reader lost the framing of its stream, and where: what a session needs to decide whether it can
// still end the answer in progress (an answer longer than the captured bytes on a connection that waits
// for each answer ends where its bytes end: the next request proves it).
#pragma once

#include <cstdint>

#include "protocols/message.h"

namespace cs::db {

struct FramingBreak {
  enum class Why : uint8_t {
    Garbage,     // bytes that do not parse
    Lost,        // lost events (a gap) where the framing needed bytes
    Uncaptured,  // bytes the capture did not copy (beyond --payload-bytes) where the framing needed them
  } why = Why::Garbage;
  uint64_t start_pos = 0;  // the message in progress started here (else: where the framing was lost)
  SyscallMeta first;       // the call that carried that position
  uint64_t ts_ns = 0;
};

}  // namespace cs::db
