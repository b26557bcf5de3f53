// The protocols the agent knows, in detection order. A new protocol adds one line here.
#include "protocols/protocol.h"

#include "protocols/http1/http1_protocol.h"

namespace cs {

const std::vector<const Protocol*>& protocol_registry() {
  static const std::vector<const Protocol*> all = {
      &http1::http1_protocol(),
  };
  return all;
}

}  // namespace cs
