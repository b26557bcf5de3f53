// An ELF file mapped read-only for analysis: sections by name, loadable segments, the TLS segment and
// .symtab symbols, and bytes by virtual address.
// Rules: never trusts the file (every offset and size is checked against the mapping; a bad file gives
// an error string, never a crash); no section headers is fine (stripped to the bone) as long as the
// program headers are there; the mapping is private and read-only to the callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cs::go {

struct ElfSection {
  std::string name;
  uint64_t addr = 0;    // virtual address (0 for non-allocated sections)
  uint64_t offset = 0;  // file offset
  uint64_t size = 0;
  uint32_t type = 0;    // SHT_*
  uint64_t flags = 0;   // SHF_*
};

struct ElfSegment {
  uint32_t type = 0;  // PT_*
  uint32_t flags = 0; // PF_*
  uint64_t vaddr = 0;
  uint64_t offset = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
  uint64_t align = 0;
};

class ElfImage {
 public:
  // Maps `path`. On failure returns nullopt and says why in `error`.
  static std::optional<ElfImage> open(const std::string& path, std::string& error);

  ElfImage(ElfImage&& other) noexcept;
  ElfImage& operator=(ElfImage&& other) noexcept;
  ElfImage(const ElfImage&) = delete;
  ElfImage& operator=(const ElfImage&) = delete;
  ~ElfImage();

  uint16_t machine() const { return machine_; }  // EM_*
  bool is_64() const { return is_64_; }
  bool little_endian() const { return little_endian_; }
  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfSegment>& segments() const { return segments_; }

  const ElfSection* section(std::string_view name) const;
  const ElfSegment* tls_segment() const;
  // Contents of a section with file bytes (empty for NOBITS or out-of-file sections).
  std::span<const uint8_t> section_bytes(const ElfSection& s) const;
  // File bytes of the loadable segment that holds [vaddr, vaddr+size), or empty.
  std::span<const uint8_t> bytes_at(uint64_t vaddr, uint64_t size) const;
  // File offset of a virtual address inside a loadable segment's file bytes (what uprobes take).
  std::optional<uint64_t> file_offset(uint64_t vaddr) const;
  // Value of a .symtab symbol (nullopt when absent or the file has no .symtab).
  std::optional<uint64_t> symbol(std::string_view name) const;
  std::span<const uint8_t> file() const { return {data_, size_}; }

 private:
  ElfImage() = default;
  bool parse(std::string& error);

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint16_t machine_ = 0;
  bool is_64_ = false;
  bool little_endian_ = false;
  std::vector<ElfSection> sections_;
  std::vector<ElfSegment> segments_;
};

}  // namespace cs::go
