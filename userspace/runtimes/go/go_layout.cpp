#include "runtimes/go/go_layout.h"

namespace cs::go {

std::optional<uint32_t> table_goid_offset(const GoVersion& v) {
  if (v.major != 1) return std::nullopt;
  if (v.minor >= 17 && v.minor <= 22) return 152;
  if (v.minor >= 23 && v.minor <= 24) return 160;
  if (v.minor >= 25 && v.minor <= 26) return 152;
  return std::nullopt;
}

bool table_request_first_in_request_and_chan(const GoVersion& v) {
  return v.major == 1 && v.minor >= 17 && v.minor <= 19;
}

}  // namespace cs::go
