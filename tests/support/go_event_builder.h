// Builds the Go runtime records (include/callscope/events.h, types 64-70) as bpf/go/go_probes.bpf.c writes
// them, for unit tests. Header-only. `p` is the thread the probe ran on (its pid/tid/comm in the header).
#pragma once

#include <cstdint>

#include "support/event_builder.h"

namespace cs::test {

// runtime.newproc1 returned: goroutine `parent` created `child`.
inline Record go_newproc(const Proc& p, uint64_t ts, uint64_t parent, uint64_t child) {
  Record r(sizeof(cs_go_newproc_event));
  auto* e = reinterpret_cast<cs_go_newproc_event*>(r.data());
  fill_header(e->hdr, CS_EV_GO_NEWPROC, static_cast<uint32_t>(r.size()), ts, p);
  e->parent_goid = parent;
  e->child_goid = child;
  return r;
}

// A net/http record (CS_EV_GO_HTTP_*) of goroutine `goid`.
inline Record go_http(const Proc& p, uint64_t ts, uint32_t type, uint64_t goid, uint64_t request,
                      uint64_t pconn = 0, uint64_t response = 0, bool error = false) {
  Record r(sizeof(cs_go_http_event));
  auto* e = reinterpret_cast<cs_go_http_event*>(r.data());
  fill_header(e->hdr, type, static_cast<uint32_t>(r.size()), ts, p);
  e->goid = goid;
  e->request = request;
  e->pconn = pconn;
  e->response = response;
  e->error = error ? 1 : 0;
  return r;
}

}  // namespace cs::test
