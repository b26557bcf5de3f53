// Checks one raw record before anything trusts it: its sizes (common/record_layout.h: hdr.size within what
// was handed over and covering the type's struct, + payload for data; slot padding after that is allowed)
// and the fields the stages rely on (a data event moved > 0 bytes, captured <= len, a known direction;
// every socket event names a socket). Returns the record's type, 0 if it is malformed, or
// kUnknownRecordType for a record of a type this build does not know (a newer agent's or kernel side's):
// its header is whole and hdr.size within what was handed over, so it can be skipped by its size.
#pragma once

#include <cstddef>
#include <cstdint>

#include "callscope/events.h"

namespace cs {

inline constexpr uint32_t kUnknownRecordType = UINT32_MAX;

// `data` must be 8-byte aligned (the Pipeline copies a misaligned record first).
uint32_t decode_record_type(const void* data, size_t size);

// `data` must be 8-byte aligned and have passed decode_record_type() with type T.
template <typename T>
const T* record_as(const void* data) {
  return static_cast<const T*>(data);
}

}  // namespace cs
