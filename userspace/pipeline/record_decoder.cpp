#include "pipeline/record_decoder.h"

#include "common/record_layout.h"

namespace cs {

uint32_t decode_record_type(const void* data, size_t size) {
  if (record_used_bytes(data, size) == 0) {
    if (data == nullptr || size < sizeof(cs_event_header)) return 0;
    const auto* h = static_cast<const cs_event_header*>(data);
    const bool whole = h->size >= sizeof(cs_event_header) && h->size <= size;
    return whole && h->type != 0 && record_struct_size(h->type) == 0 ? kUnknownRecordType : 0;
  }
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
    case CS_EV_GO_NEWPROC:
    case CS_EV_GO_HTTP_ROUNDTRIP:
    case CS_EV_GO_HTTP_ROUNDTRIP_DONE:
    case CS_EV_GO_HTTP_WRITE:
    case CS_EV_GO_HTTP_WRITE_DONE:
    case CS_EV_GO_HTTP_READ:
    case CS_EV_GO_HTTP_READ_DONE:
      return h->type;  // the rule that reads them checks their fields (a 0 goid names no goroutine)
    default:
      return 0;
  }
}

}  // namespace cs
