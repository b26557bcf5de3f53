// What the Go runtime's layout is per Go version on linux/amd64, for binaries without DWARF.
// Rules: only versions with a known source are listed; anything else is nullopt (the caller then needs
// DWARF, or gives up on the binary with an info log). Sources, per entry:
//  - runtime.g.goid offset: stack(16) stackguard0 stackguard1 _panic _defer m (8 each) gobuf sched
//    syscallsp syscallpc stktopsp param atomicstatus(4) stackLock(4), then goid.
//      1.17 - 1.22: 152  (gobuf = 7 words; checked against DWARF and the source of Debian's go1.19.8)
//      1.23 - 1.24: 160  (g.syscallbp added after syscallpc)
//      1.25 - 1.26: 152  (gobuf.ret removed)   -- 1.23+ from public third-party goid tables, not tested
//                                                 here (Debian 12 ships 1.19 only): medium confidence
//  - net/http.requestAndChan: `_ incomparable` (zero-size) then `req *Request`, so a by-value
//    requestAndChan argument after the receiver puts req in RBX. Checked in Debian's go1.19 source;
//    1.17/1.18 believed identical (the layout dates from 1.15); later versions unknown without DWARF
//    (the READ record then names the connection only).
//  - Register ABI (ABIInternal) on amd64 since Go 1.17: integer args RAX RBX RCX RDI RSI R8 R9 R10 R11,
//    the current g in R14. Go <= 1.16 passes arguments on the stack: not supported.
#pragma once

#include <cstdint>
#include <optional>

#include "runtimes/go/go_build_info.h"

namespace cs::go {

inline constexpr int kRegabiMinMinor = 17;  // Go 1.17

std::optional<uint32_t> table_goid_offset(const GoVersion& v);
bool table_request_first_in_request_and_chan(const GoVersion& v);

}  // namespace cs::go
