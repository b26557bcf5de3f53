#include "runtimes/go/go_binary.h"

#include <elf.h>
#include <fmt/format.h>

#include <optional>

#include "runtimes/go/elf_image.h"
#include "runtimes/go/go_code_scan.h"
#include "runtimes/go/go_dwarf.h"
#include "runtimes/go/go_layout.h"
#include "runtimes/go/go_pclntab.h"

namespace cs::go {
namespace {

constexpr GoProbeKind kKinds[] = {GoProbeKind::kNewproc1, GoProbeKind::kHttpRoundTrip,
                                  GoProbeKind::kHttpRequestWrite, GoProbeKind::kHttpReadResponse};

std::optional<FunctionCode> code_of(const ElfImage& elf, const GoFunction& f) {
  auto bytes = elf.bytes_at(f.entry, f.end - f.entry);
  if (bytes.empty()) return std::nullopt;
  return FunctionCode{f.entry, bytes};
}

// The g slot's offset from the thread pointer. Go's linker emits every TLS access to g as a fixed
// FS-relative displacement in an executable; rt0_go's first one is the startup check store.
bool find_g_tls_offset(const ElfImage& elf, const GoFuncTable& funcs, GoBinaryInfo& info) {
  std::optional<int64_t> from_code;
  std::string why;
  if (const GoFunction* rt0 = funcs.find("runtime.rt0_go")) {
    if (auto code = code_of(elf, *rt0)) from_code = first_fs_displacement(*code, why);
  }
  // x86-64 TLS variant II: the executable's block ends at the thread pointer, so a TLS symbol at offset
  // st_value of a PT_TLS of memsz M (alignment A) is at tp - round_up(M, A) + st_value.
  std::optional<int64_t> from_symbol;
  const ElfSegment* tls = elf.tls_segment();
  if (auto tlsg = elf.symbol("runtime.tlsg"); tlsg && tls) {
    uint64_t align = tls->align ? tls->align : 1;
    uint64_t block = (tls->memsz + align - 1) / align * align;
    from_symbol = static_cast<int64_t>(*tlsg) - static_cast<int64_t>(block);
  }
  if (from_code && from_symbol && *from_code != *from_symbol) {
    info.reason = fmt::format("g TLS offset disagrees: rt0_go uses {}, runtime.tlsg gives {}", *from_code,
                              *from_symbol);
    return false;
  }
  if (from_code) {
    info.g_tls_offset = static_cast<int32_t>(*from_code);
    info.g_tls_source = from_symbol ? "runtime.rt0_go, checked against runtime.tlsg" : "runtime.rt0_go";
  } else if (from_symbol) {
    info.g_tls_offset = static_cast<int32_t>(*from_symbol);
    info.g_tls_source = "runtime.tlsg";
  } else if (!tls) {
    info.g_tls_offset = -8;  // Go's internal linker without cgo: g is the word just below fsbase
    info.g_tls_source = "default (no PT_TLS, internal linker)";
  } else {
    info.reason = "cannot find the g TLS offset (" + why + ")";
    return false;
  }
  if (info.g_tls_offset >= 0 || info.g_tls_offset < -65536) {
    info.reason = fmt::format("implausible g TLS offset {}", info.g_tls_offset);
    return false;
  }
  return true;
}

bool find_goid_offset(const std::string& path, GoBinaryInfo& info) {
  auto from_table = table_goid_offset(info.version);
  if (auto off = dwarf_member_offset(path, "runtime.g", "goid")) {
    info.goid_offset = static_cast<uint32_t>(*off);
    info.goid_offset_source = "dwarf";
    return true;
  }
  if (from_table) {
    info.goid_offset = *from_table;
    info.goid_offset_source = "table";
    return true;
  }
  info.reason = "no DWARF and no known runtime.g layout for " + info.version.text;
  return false;
}

bool request_first_in_request_and_chan(const std::string& path, const GoVersion& v) {
  // With DWARF: `req` at offset 0 means only zero-size members precede it: it is rc's first register.
  if (auto off = dwarf_member_offset(path, "net/http.requestAndChan", "req")) return *off == 0;
  return table_request_first_in_request_and_chan(v);
}

}  // namespace

const char* go_probe_function(GoProbeKind kind) {
  switch (kind) {
    case GoProbeKind::kNewproc1: return "runtime.newproc1";
    case GoProbeKind::kHttpRoundTrip: return "net/http.(*persistConn).roundTrip";
    case GoProbeKind::kHttpRequestWrite: return "net/http.(*Request).write";
    case GoProbeKind::kHttpReadResponse: return "net/http.(*persistConn).readResponse";
  }
  return "?";
}

GoBinaryInfo analyse_go_binary(const std::string& path) {
  GoBinaryInfo info;
  std::string why;
  auto elf = ElfImage::open(path, why);
  if (!elf) {
    info.reason = why;
    return info;
  }
  auto version = read_go_build_version(*elf, why);
  auto funcs = GoFuncTable::read(*elf, why);
  if (!version && !funcs) {
    info.reason = "not a Go binary (" + why + ")";
    return info;
  }
  info.is_go = true;
  if (!version) {
    info.reason = "Go function table but " + why;
    return info;
  }
  info.version = *version;
  if (!funcs) {
    info.reason = why;
    return info;
  }
  info.function_count = funcs->functions().size();
  if (elf->machine() != EM_X86_64) {
    info.reason = "not linux/amd64 (ELF machine " + std::to_string(elf->machine()) + ")";
    return info;
  }
  if (!version->at_least(1, kRegabiMinMinor)) {
    info.reason = version->text + " passes arguments on the stack (register ABI since go1.17)";
    return info;
  }
  if (!find_goid_offset(path, info) || !find_g_tls_offset(*elf, *funcs, info)) return info;
  info.read_response_has_request = request_first_in_request_and_chan(path, *version);

  for (GoProbeKind kind : kKinds) {
    const char* name = go_probe_function(kind);
    const GoFunction* f = funcs->find(name);
    if (!f) {
      if (kind == GoProbeKind::kNewproc1) {
        info.reason = std::string(name) + " not in the function table";
        return info;
      }
      info.absent.emplace_back(name);
      continue;
    }
    auto code = code_of(*elf, *f);
    std::optional<FunctionScan> scan;
    if (code) scan = scan_function(*code, why);
    else why = "function bytes outside the file";
    GoProbeSite site;
    site.kind = kind;
    site.entry = f->entry;
    bool ok = scan.has_value();
    if (ok) {
      site.probe_vaddr = scan->probe_entry;
      site.after_stack_check = scan->after_stack_check;
      auto off = elf->file_offset(site.probe_vaddr);
      ok = off.has_value();
      if (ok) site.probe_offset = *off;
      for (uint64_t r : scan->rets) {
        auto roff = elf->file_offset(r);
        if (!roff) ok = false;
        else {
          site.ret_vaddrs.push_back(r);
          site.ret_offsets.push_back(*roff);
        }
      }
    }
    if (!ok) {
      if (kind == GoProbeKind::kNewproc1) {
        info.reason = std::string(name) + ": " + why;
        return info;
      }
      info.absent.push_back(std::string(name) + " (" + why + ")");
      continue;
    }
    info.probes.push_back(std::move(site));
  }
  info.understood = true;
  return info;
}

}  // namespace cs::go
