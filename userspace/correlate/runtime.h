// Which runtime a process's handlers run in, as far as the agent knows it from the process's binary name.
// Only runtimes whose scheduling is known make the ordered-loop rule apply (thread_rule.h); everything
// else is Runtime::Generic and gets no rule that depends on the order of a loop's inputs.
//
//  nginx: one event handler runs to completion (read the request, pick or connect the upstream, write to a
//         kept-alive upstream) before the next event is taken; upstream calls are started by a client
//         request's input or by its own upstream's events.
//  Not ordered (Generic), on purpose:
//   - node: libuv runs a read's callback synchronously, but timers, setImmediate and thread-pool
//     completions (an eventfd the agent cannot see) also start calls, with no system call between them
//     and the last read of the previous poll: a timer-driven call looks exactly like one caused by that
//     read (tests/integration/test_node_chains.sh, timer phase). Closing this needs evidence from inside
//     libuv (uprobes on its timer and callback dispatch), which the agent does not have.
//   - python asyncio, uvloop: a poll's reads all happen before any of their handlers runs.
#pragma once

#include <string_view>

#include "correlate/in_process_rule.h"

namespace cs {

inline Runtime runtime_of_comm(std::string_view comm) {
  return comm == "nginx" ? Runtime::OrderedLoop : Runtime::Generic;
}

}  // namespace cs
