#include "runtimes/go/go_pclntab.h"

#include <elf.h>

#include <cstring>
#include <span>

namespace cs::go {
namespace {

constexpr uint32_t kMagic116 = 0xfffffffa;
constexpr uint32_t kMagic118 = 0xfffffff0;
constexpr uint32_t kMagic120 = 0xfffffff1;
constexpr size_t kPtr = 8;

struct Reader {
  std::span<const uint8_t> b;
  bool ok = true;
  uint64_t u(size_t off, size_t n) {
    if (off > b.size() || n > b.size() - off) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(b[off + i]) << (8 * i);
    return v;
  }
  uint32_t u32(size_t off) { return static_cast<uint32_t>(u(off, 4)); }
  uint64_t u64(size_t off) { return u(off, 8); }
  // NUL-terminated string at off (empty + !ok when unterminated or out of bounds).
  std::string_view cstr(uint64_t off) {
    if (off >= b.size()) {
      ok = false;
      return {};
    }
    const char* s = reinterpret_cast<const char*>(b.data() + off);
    size_t max = b.size() - off;
    size_t len = strnlen(s, max);
    if (len == max) {
      ok = false;
      return {};
    }
    return {s, len};
  }
};

bool header_plausible(std::span<const uint8_t> b) {
  if (b.size() < 64) return false;
  uint32_t magic;
  std::memcpy(&magic, b.data(), 4);
  if (magic != kMagic116 && magic != kMagic118 && magic != kMagic120) return false;
  return b[4] == 0 && b[5] == 0 && (b[6] == 1 || b[6] == 2 || b[6] == 4) && b[7] == kPtr;
}

// Parses the table at the start of `b` (which may extend past its end). Fills `out` or returns false.
bool parse_table(std::span<const uint8_t> b, std::vector<GoFunction>& out, uint32_t& magic_out, std::string& why) {
  if (!header_plausible(b)) {
    why = "no Go function table header (magic/pointer size) in .gopclntab";
    return false;
  }
  Reader r{b};
  uint32_t magic = r.u32(0);
  uint64_t nfunc = r.u64(8);
  bool v118 = magic != kMagic116;
  uint64_t text_start = v118 ? r.u64(24) : 0;
  size_t base = v118 ? 32 : 24;
  uint64_t funcname_off = r.u64(base + 0 * kPtr);
  uint64_t pcln_off = r.u64(base + 4 * kPtr);
  if (!r.ok || nfunc == 0 || nfunc > (1u << 24) || pcln_off >= b.size() || funcname_off >= b.size()) {
    why = "Go function table header out of bounds";
    return false;
  }
  size_t entry_size = v118 ? 8 : 2 * kPtr;  // {entryoff u32, funcoff u32} or {entry, funcoff} uintptrs
  if ((nfunc + 1) * entry_size > b.size() - pcln_off) {  // before reserving: a crafted nfunc is no OOM
    why = "Go function table larger than its section";
    return false;
  }
  auto entry_at = [&](uint64_t i) -> uint64_t {
    size_t off = pcln_off + i * entry_size;
    return v118 ? text_start + r.u32(off) : r.u64(off);
  };
  auto funcoff_at = [&](uint64_t i) -> uint64_t {
    size_t off = pcln_off + i * entry_size;
    return v118 ? r.u32(off + 4) : r.u64(off + kPtr);
  };
  out.clear();
  out.reserve(nfunc);
  for (uint64_t i = 0; i < nfunc; ++i) {
    uint64_t entry = entry_at(i);
    uint64_t end = entry_at(i + 1);
    uint64_t func = pcln_off + funcoff_at(i);
    // _func: entry (u32 entryoff since 1.18, uintptr before), then nameoff int32.
    uint64_t name_off = r.u32(func + (v118 ? 4 : kPtr));
    std::string_view name = r.cstr(funcname_off + name_off);
    if (!r.ok || end < entry) {
      why = "Go function table entry " + std::to_string(i) + " out of bounds";
      return false;
    }
    out.push_back({std::string(name), entry, end});
  }
  magic_out = magic;
  return true;
}

}  // namespace

std::optional<GoFuncTable> GoFuncTable::read(const ElfImage& elf, std::string& why) {
  if (!elf.is_64() || !elf.little_endian()) {
    why = "not a 64-bit little-endian ELF";
    return std::nullopt;
  }
  GoFuncTable t;
  if (const ElfSection* s = elf.section(".gopclntab")) {
    if (!parse_table(elf.section_bytes(*s), t.functions_, t.magic_, why)) return std::nullopt;
    t.address_ = s->addr;
    return t;
  }
  // No .gopclntab section (no section headers, or a PIE layout that folds it into .data.rel.ro): scan
  // read-only loadable segments for a header that parses completely.
  for (const auto& seg : elf.segments()) {
    if (seg.type != PT_LOAD || (seg.flags & PF_X)) continue;
    auto bytes = elf.bytes_at(seg.vaddr, seg.filesz);
    for (size_t off = (8 - seg.vaddr % 8) % 8; off + 64 <= bytes.size(); off += 8) {
      if (bytes[off + 7] != kPtr || bytes[off + 3] != 0xff) continue;
      auto sub = bytes.subspan(off);
      std::string ignored;
      if (header_plausible(sub) && parse_table(sub, t.functions_, t.magic_, ignored)) {
        t.address_ = seg.vaddr + off;
        return t;
      }
    }
  }
  why = "no Go function table (.gopclntab) found";
  return std::nullopt;
}

std::optional<GoFuncTable> GoFuncTable::parse(std::span<const uint8_t> bytes, uint64_t address, std::string& why) {
  GoFuncTable t;
  if (!parse_table(bytes, t.functions_, t.magic_, why)) return std::nullopt;
  t.address_ = address;
  return t;
}

const GoFunction* GoFuncTable::find(std::string_view name) const {
  for (const auto& f : functions_)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace cs::go
