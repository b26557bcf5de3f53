// Checks one raw record before anything trusts it: its sizes (common/record_layout.h: hdr.size within what
// was handed over and covering the type's struct, + payload for data; slot padding after that is allowed)
// and the fields the stages rely on (a data event moved > 0 bytes, captured <= len, a known direction;
// every socket event names a socket). A record of a type this build does not know (a newer agent's or
// kernel side's) whose header is whole and hdr.size within what was handed over is kUnknownRecordType: it
// can be skipped by its size.
//
// Records from the ring buffer are 8-byte aligned; records read from a capture file are not. The decoder
// hands the stages an aligned struct either way: the record itself when it is aligned, else a copy of its
// fixed part (at most ~200 bytes). A data event's payload is never copied: it is read where it lies.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "callscope/events.h"

namespace cs {

inline constexpr uint32_t kUnknownRecordType = UINT32_MAX;

// `data` must be 8-byte aligned. Returns the record's type, 0 if it is malformed, or kUnknownRecordType.
uint32_t decode_record_type(const void* data, size_t size);

// `data` must be 8-byte aligned and have passed decode_record_type() with type T.
template <typename T>
const T* record_as(const void* data) {
  return static_cast<const T*>(data);
}

// One checked record, as the stages read it.
struct DecodedRecord {
  uint32_t type = 0;                 // enum cs_event_type; 0: malformed, kUnknownRecordType: skip it
                                     // (nothing else is set for either)
  const void* fixed = nullptr;       // the record's struct of that type, 8-byte aligned
  const uint8_t* payload = nullptr;  // data event: its `captured` payload bytes, in the original record

  template <typename T>
  const T& as() const {
    return *static_cast<const T*>(fixed);
  }
};

class RecordDecoder {
 public:
  // `data` may have any alignment. The result is valid until the next call (it may point into this
  // decoder) and as long as `data` is.
  DecodedRecord decode(const void* data, size_t size);

 private:
  static constexpr size_t kMaxFixed =
      std::max({sizeof(cs_data_event), sizeof(cs_conn_event), sizeof(cs_close_event), sizeof(cs_proc_exit_event),
                sizeof(cs_go_newproc_event), sizeof(cs_go_http_event)});
  alignas(8) unsigned char fixed_[kMaxFixed];
};

}  // namespace cs
