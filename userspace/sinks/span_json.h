// One span as one JSON line, written straight into a caller's buffer (no allocation, no JSON library).
//
// Rules (README "JSON output"):
//  - keys exactly and in this order: trace_id, span_id, parent_span_id ("" for a root), kind, name,
//    start_time_unix_nano, end_time_unix_nano, service.name, process.pid, thread.id, status, attributes
//    (the span's attributes in their order, integers as JSON numbers); no spaces; one '\n' at the end.
//  - every string (wire text and attribute keys alike) goes through json_quote(): escaped, and invalid
//    UTF-8 replaced by U+FFFD, so the line is always valid JSON.
//  - the caller provides span_json_capacity(span) bytes: write_span_json() never writes more.
#pragma once

#include <cstddef>

#include "spans/span.h"

namespace cs {

// Upper bound of the bytes write_span_json() writes for `span`.
size_t span_json_capacity(const Span& span);

// Writes `span` as a JSON line (with its '\n') at `out`; returns one past the last byte written.
char* write_span_json(const Span& span, char* out);

}  // namespace cs
