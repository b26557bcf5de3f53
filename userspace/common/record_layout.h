// Size rules of the raw kernel records (include/callscope/events.h, ABI 2), shared by the pipeline's
// record decoder and the capture writer.
//
// A record handed over as `size` bytes is well-formed when:
//  - it holds a cs_event_header and hdr.size <= size (never read past what was handed over);
//  - hdr.type is a known type and hdr.size covers its struct, and for a data event also its `captured`
//    payload bytes.
// hdr.size may be larger than that (fixed-size ring-buffer slots): the bytes after the struct (+ payload)
// are padding and mean nothing. Alignment is not assumed: fields are copied out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "callscope/events.h"

namespace cs {

// The size of the fixed part of a record of this type (0: unknown type).
inline size_t record_struct_size(uint32_t type) {
  switch (type) {
    case CS_EV_DATA: return sizeof(cs_data_event);
    case CS_EV_CONN_OPEN: return sizeof(cs_conn_event);
    case CS_EV_CONN_CLOSE: return sizeof(cs_close_event);
    case CS_EV_PROC_EXIT: return sizeof(cs_proc_exit_event);
    case CS_EV_GO_NEWPROC: return sizeof(cs_go_newproc_event);
    case CS_EV_GO_HTTP_ROUNDTRIP:
    case CS_EV_GO_HTTP_ROUNDTRIP_DONE:
    case CS_EV_GO_HTTP_WRITE:
    case CS_EV_GO_HTTP_WRITE_DONE:
    case CS_EV_GO_HTTP_READ:
    case CS_EV_GO_HTTP_READ_DONE: return sizeof(cs_go_http_event);
    default: return 0;
  }
}

// Records of a runtime's own probes (the Go records): the correlator's runtime rules read them.
inline bool is_runtime_record(uint32_t type) {
  switch (type) {
    case CS_EV_GO_NEWPROC:
    case CS_EV_GO_HTTP_ROUNDTRIP:
    case CS_EV_GO_HTTP_ROUNDTRIP_DONE:
    case CS_EV_GO_HTTP_WRITE:
    case CS_EV_GO_HTTP_WRITE_DONE:
    case CS_EV_GO_HTTP_READ:
    case CS_EV_GO_HTTP_READ_DONE: return true;
    default: return false;
  }
}

// The bytes the record uses (its struct, plus the payload of a data event), or 0 if it is malformed.
// Inline: it runs for every record.
inline size_t record_used_bytes(const void* data, size_t size) {
  if (data == nullptr || size < sizeof(cs_event_header)) return 0;
  cs_event_header h;
  std::memcpy(&h, data, sizeof h);
  if (h.size > size) return 0;
  size_t used = record_struct_size(h.type);
  if (used == 0 || h.size < used) return 0;
  if (h.type == CS_EV_DATA) {
    uint32_t captured;
    std::memcpy(&captured, static_cast<const uint8_t*>(data) + offsetof(cs_data_event, captured), sizeof captured);
    if (captured > h.size - used) return 0;
    used += captured;
  }
  return used;
}

}  // namespace cs
