// Where the connection tracker reports how it classified a socket, so that the capture side can stop
// sending the bytes of sockets no parser wants (include/callscope/events.h, enum cs_verdict).
//
// Rules: at most one verdict per socket life (sock_id between its first event and its close), given when
// the tracker decides: CS_VERDICT_TRACE once a protocol is detected, CS_VERDICT_IGNORE once the socket is
// given up as no protocol the agent knows. Called on the pipeline thread, inside on_record(); an
// implementation must not block and must not call back into the pipeline. No libbpf here: the BPF-backed
// implementation lives with the capture code.
#pragma once

#include <cstdint>

namespace cs {

class SocketVerdicts {
 public:
  virtual ~SocketVerdicts() = default;
  // `verdict`: enum cs_verdict (CS_VERDICT_TRACE or CS_VERDICT_IGNORE).
  virtual void verdict(uint64_t sock_id, uint8_t verdict) = 0;
};

}  // namespace cs
