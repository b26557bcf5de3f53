#include "pipeline/record_decoder.h"

#include <cstddef>
#include <cstring>

#include "common/record_layout.h"

namespace cs {

namespace {

// The payload starts right after the struct (the size rules and the capture writer count it that way).
static_assert(offsetof(cs_data_event, payload) == sizeof(cs_data_event));

// The field rules, on a record whose sizes were checked (record_used_bytes) and which is aligned.
uint32_t checked_type(const void* data) {
  const auto* h = static_cast<const cs_event_header*>(data);
  switch (h->type) {
    case CS_EV_DATA: {
      const auto* e = static_cast<const cs_data_event*>(data);
      if (e->sock.sock_id == 0 || e->len == 0 || e->captured > e->len) return 0;
      if (e->direction != CS_DIR_EGRESS && e->direction != CS_DIR_INGRESS) return 0;
      return CS_EV_DATA;
    }
    case CS_EV_CONN_OPEN:
      return static_cast<const cs_conn_event*>(data)->sock.sock_id != 0 ? CS_EV_CONN_OPEN : 0;
    case CS_EV_CONN_CLOSE:
      return static_cast<const cs_close_event*>(data)->sock.sock_id != 0 ? CS_EV_CONN_CLOSE : 0;
    case CS_EV_PROC_EXIT:
      return CS_EV_PROC_EXIT;
    default:  // runtime records: the rule that reads them checks their fields (a 0 goid names no goroutine)
      return is_runtime_record(h->type) ? h->type : 0;
  }
}

// A record the size rules refused: kUnknownRecordType if its header is whole, its size within what was
// handed over and its type one this build does not know (skipped by its size), else 0 (malformed).
uint32_t unknown_or_malformed(const void* data, size_t size) {
  if (data == nullptr || size < sizeof(cs_event_header)) return 0;
  cs_event_header h;
  std::memcpy(&h, data, sizeof h);  // any alignment
  const bool whole = h.size >= sizeof(cs_event_header) && h.size <= size;
  return whole && h.type != 0 && record_struct_size(h.type) == 0 ? kUnknownRecordType : 0;
}

}  // namespace

uint32_t decode_record_type(const void* data, size_t size) {
  if (record_used_bytes(data, size) == 0) return unknown_or_malformed(data, size);
  return checked_type(data);
}

DecodedRecord RecordDecoder::decode(const void* data, size_t size) {
  DecodedRecord out;
  if (record_used_bytes(data, size) == 0) {
    out.type = unknown_or_malformed(data, size);
    return out;
  }
  const void* fixed = data;
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) != 0) {
    uint32_t type;
    std::memcpy(&type, data, sizeof type);  // known and covered by hdr.size: record_used_bytes checked it
    std::memcpy(fixed_, data, record_struct_size(type));
    fixed = fixed_;
  }
  out.type = checked_type(fixed);
  if (out.type == 0) return out;
  out.fixed = fixed;
  if (out.type == CS_EV_DATA) out.payload = static_cast<const uint8_t*>(data) + sizeof(cs_data_event);
  return out;
}

}  // namespace cs
