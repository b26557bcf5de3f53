#include "correlate/in_process_rule.h"

namespace cs {

const char* abstain_name(Abstain a) {
  switch (a) {
    case Abstain::None: return "none";
    case Abstain::NotServing: return "not_serving";
    case Abstain::SeveralRequests: return "several_requests";
    case Abstain::BatchedInputs: return "batched_inputs";
    case Abstain::NoCausingInput: return "no_causing_input";
    case Abstain::Goroutine: return "goroutine";
    case Abstain::UnknownGoroutine: return "unknown_goroutine";
    case Abstain::HandOffLost: return "handoff_lost";
    case Abstain::ProcessStarting: return "process_starting";
    case Abstain::ParentGone: return "parent_gone";
    case Abstain::kCount: break;
  }
  return "?";
}

}  // namespace cs
