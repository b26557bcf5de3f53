#include "runtimes/go/go_build_info.h"

#include <elf.h>

#include <cstring>
#include <regex>

namespace cs::go {
namespace {

constexpr char kMagic[] = "\xff Go buildinf:";
constexpr size_t kMagicLen = 14;
constexpr size_t kHeaderLen = 32;

uint64_t read_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Go >= 1.18: varint length + bytes at `p` (bounded by `end`).
std::optional<std::string> read_inline_string(const uint8_t* p, const uint8_t* end) {
  uint64_t len = 0;
  int shift = 0;
  while (p < end && shift < 63) {
    uint8_t b = *p++;
    len |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (len > static_cast<uint64_t>(end - p)) return std::nullopt;
      return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    }
    shift += 7;
  }
  return std::nullopt;
}

// Go < 1.18: a pointer to a Go string header {data pointer, length}.
std::optional<std::string> read_string_header(const ElfImage& elf, uint64_t addr, size_t ptr) {
  auto hdr = elf.bytes_at(addr, 2 * ptr);
  if (hdr.empty()) return std::nullopt;
  uint64_t data = read_le(hdr.data(), ptr);
  uint64_t len = read_le(hdr.data() + ptr, ptr);
  if (len > 4096) return std::nullopt;
  auto bytes = elf.bytes_at(data, len);
  if (bytes.size() != len) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::optional<std::string> version_from_blob(const ElfImage& elf, std::span<const uint8_t> blob) {
  if (blob.size() < kHeaderLen || std::memcmp(blob.data(), kMagic, kMagicLen) != 0) return std::nullopt;
  size_t ptr = blob[14];
  uint8_t flags = blob[15];
  if (flags & 0x2) return read_inline_string(blob.data() + kHeaderLen, blob.data() + blob.size());
  if (ptr != 4 && ptr != 8) return std::nullopt;
  if (flags & 0x1) return std::nullopt;  // big-endian pointers: not an amd64 binary
  return read_string_header(elf, read_le(blob.data() + 16, ptr), ptr);
}

}  // namespace

std::optional<GoVersion> parse_go_version(const std::string& text) {
  static const std::regex re(R"(go(\d+)\.(\d+)(?:\.(\d+))?)");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  GoVersion v;
  v.text = text;
  v.major = std::stoi(m[1].str());
  v.minor = std::stoi(m[2].str());
  v.patch = m[3].matched ? std::stoi(m[3].str()) : 0;
  return v;
}

std::optional<GoVersion> read_go_build_version(const ElfImage& elf, std::string& why) {
  std::optional<std::string> text;
  if (const ElfSection* s = elf.section(".go.buildinfo")) {
    text = version_from_blob(elf, elf.section_bytes(*s));
  } else {
    // No section headers (or renamed): scan writable loadable segments for the magic.
    for (const auto& seg : elf.segments()) {
      if (seg.type != PT_LOAD || !(seg.flags & PF_W) || text) continue;
      auto bytes = elf.bytes_at(seg.vaddr, seg.filesz);
      for (size_t off = (16 - seg.vaddr % 16) % 16; off + kHeaderLen <= bytes.size(); off += 16) {
        if (bytes[off] != 0xff || std::memcmp(bytes.data() + off, kMagic, kMagicLen) != 0) continue;
        text = version_from_blob(elf, bytes.subspan(off));
        if (text) break;
      }
    }
  }
  if (!text) {
    why = "no Go build info (.go.buildinfo)";
    return std::nullopt;
  }
  auto v = parse_go_version(*text);
  if (!v) why = "unreadable Go version '" + *text + "' in the build info";
  return v;
}

}  // namespace cs::go
