#include "pipeline/record_decoder.h"

#include <cstring>

namespace cs {

uint32_t decode_record_type(const void* data, size_t size) {
  if (data == nullptr || size < sizeof(cs_event_header)) return 0;
  cs_event_header h;
  std::memcpy(&h, data, sizeof h);
  if (h.size != size) return 0;
  switch (h.type) {
    case CS_EV_DATA: {
      if (size < sizeof(cs_data_event)) return 0;
      const auto* e = static_cast<const cs_data_event*>(data);
      if (e->captured > e->len || sizeof(cs_data_event) + e->captured != size) return 0;
      if (e->direction != CS_DIR_EGRESS && e->direction != CS_DIR_INGRESS) return 0;
      if (e->len == 0) return 0;
      return CS_EV_DATA;
    }
    case CS_EV_CONN_OPEN:
      return size == sizeof(cs_conn_event) ? CS_EV_CONN_OPEN : 0;
    case CS_EV_CONN_CLOSE:
      return size == sizeof(cs_close_event) ? CS_EV_CONN_CLOSE : 0;
    case CS_EV_PROC_EXIT:
      return size == sizeof(cs_proc_exit_event) ? CS_EV_PROC_EXIT : 0;
    default:
      return 0;
  }
}

}  // namespace cs
