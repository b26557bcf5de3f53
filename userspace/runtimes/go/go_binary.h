// Analysis of one executable: is it Go, which version, can we probe it, and where.
// Rules: reads the file only (never the process); every fact carries its source (DWARF, table, code,
// symbol) for the log; a binary is `understood` only when lineage can be probed exactly (register ABI,
// goid offset, g TLS offset, runtime.newproc1 and its RETs): otherwise `reason` says why, for the info
// log, and the generic rules apply to it. The net/http functions are optional (a program without an
// HTTP client has none): the ones absent are listed in `absent`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtimes/go/go_build_info.h"

namespace cs::go {

enum class GoProbeKind {
  kNewproc1,         // runtime.newproc1: lineage
  kHttpRoundTrip,    // net/http.(*persistConn).roundTrip: caller -> connection
  kHttpRequestWrite, // net/http.(*Request).write: writeLoop writes the request
  kHttpReadResponse, // net/http.(*persistConn).readResponse: readLoop reads the response
};

const char* go_probe_function(GoProbeKind kind);  // the pclntab name

struct GoProbeSite {
  GoProbeKind kind{};
  uint64_t entry = 0;              // function entry (virtual address)
  uint64_t probe_vaddr = 0;        // entry probe point (after the stack check when there is one)
  bool after_stack_check = false;
  uint64_t probe_offset = 0;       // file offset of probe_vaddr (uprobe offset)
  std::vector<uint64_t> ret_vaddrs;
  std::vector<uint64_t> ret_offsets;
};

struct GoBinaryInfo {
  bool is_go = false;       // Go build info or function table found
  bool understood = false;  // lineage probes can be attached (see rules)
  std::string reason;       // why not understood / not Go
  GoVersion version;
  size_t function_count = 0;
  uint32_t goid_offset = 0;
  std::string goid_offset_source;  // "dwarf" or "table"
  int32_t g_tls_offset = 0;
  std::string g_tls_source;        // "runtime.rt0_go" (+ "checked against runtime.tlsg") or "default"
  bool read_response_has_request = false;  // requestAndChan.req in RBX (DWARF or table)
  std::vector<GoProbeSite> probes;
  std::vector<std::string> absent;  // optional functions not in the binary
};

GoBinaryInfo analyse_go_binary(const std::string& path);

}  // namespace cs::go
