// Checks one raw record before anything trusts it: the size agrees with the header and the type, and a
// data event's captured bytes fit. Returns the record's type, or 0 if it is malformed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "callscope/events.h"

namespace cs {

uint32_t decode_record_type(const void* data, size_t size);

template <typename T>
const T* record_as(const void* data) {
  return static_cast<const T*>(data);
}

}  // namespace cs
