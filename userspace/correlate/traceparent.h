// W3C trace context: the incoming traceparent header (rule 3), version 00 and later versions' prefix.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "spans/span.h"

namespace cs {

// Parsed "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>".
struct TraceParent {
  TraceId trace_id;
  uint64_t parent_span_id = 0;
};
std::optional<TraceParent> parse_traceparent(std::string_view value);

}  // namespace cs
