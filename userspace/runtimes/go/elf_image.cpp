#include "runtimes/go/elf_image.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace cs::go {

std::optional<ElfImage> ElfImage::open(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
    error = path + " is not a regular file of an ELF's size";
    ::close(fd);
    return std::nullopt;
  }
  // Private writable mapping: libelf may want to write (it never does for native files); the file
  // stays untouched.
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    error = "cannot map " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  ElfImage img;
  img.data_ = static_cast<uint8_t*>(p);
  img.size_ = static_cast<size_t>(st.st_size);
  if (!img.parse(error)) {
    error = path + ": " + error;
    return std::nullopt;
  }
  return img;
}

ElfImage::ElfImage(ElfImage&& o) noexcept { *this = std::move(o); }

ElfImage& ElfImage::operator=(ElfImage&& o) noexcept {
  if (this != &o) {
    if (data_) munmap(data_, size_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    machine_ = o.machine_;
    is_64_ = o.is_64_;
    little_endian_ = o.little_endian_;
    sections_ = std::move(o.sections_);
    segments_ = std::move(o.segments_);
  }
  return *this;
}

ElfImage::~ElfImage() {
  if (data_) munmap(data_, size_);
}

bool ElfImage::parse(std::string& error) {
  if (std::memcmp(data_, ELFMAG, SELFMAG) != 0) {
    error = "not an ELF file";
    return false;
  }
  elf_version(EV_CURRENT);
  Elf* elf = elf_memory(reinterpret_cast<char*>(data_), size_);
  if (!elf) {
    error = std::string("libelf: ") + elf_errmsg(-1);
    return false;
  }
  bool ok = false;
  GElf_Ehdr eh;
  size_t phnum = 0;
  if (!gelf_getehdr(elf, &eh)) {
    error = std::string("bad ELF header: ") + elf_errmsg(-1);
  } else if (elf_getphdrnum(elf, &phnum) != 0) {
    error = std::string("bad program headers: ") + elf_errmsg(-1);
  } else {
    machine_ = eh.e_machine;
    is_64_ = eh.e_ident[EI_CLASS] == ELFCLASS64;
    little_endian_ = eh.e_ident[EI_DATA] == ELFDATA2LSB;
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf, static_cast<int>(i), &ph)) continue;
      segments_.push_back({ph.p_type, ph.p_flags, ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz,
                           ph.p_align});
    }
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
      for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
        sections_.push_back({name ? name : "", sh.sh_addr, sh.sh_offset, sh.sh_size, sh.sh_type, sh.sh_flags});
      }
    }
    ok = true;
  }
  elf_end(elf);
  return ok;
}

const ElfSection* ElfImage::section(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

const ElfSegment* ElfImage::tls_segment() const {
  for (const auto& s : segments_)
    if (s.type == PT_TLS) return &s;
  return nullptr;
}

std::span<const uint8_t> ElfImage::section_bytes(const ElfSection& s) const {
  if (s.type == SHT_NOBITS || s.offset > size_ || s.size > size_ - s.offset) return {};
  return {data_ + s.offset, static_cast<size_t>(s.size)};
}

std::span<const uint8_t> ElfImage::bytes_at(uint64_t vaddr, uint64_t size) const {
  for (const auto& s : segments_) {
    if (s.type != PT_LOAD || vaddr < s.vaddr || vaddr - s.vaddr >= s.filesz) continue;
    uint64_t rel = vaddr - s.vaddr;
    if (size > s.filesz - rel) return {};
    if (s.offset > size_ || rel > size_ - s.offset || size > size_ - s.offset - rel) return {};
    return {data_ + s.offset + rel, static_cast<size_t>(size)};
  }
  return {};
}

std::optional<uint64_t> ElfImage::file_offset(uint64_t vaddr) const {
  for (const auto& s : segments_) {
    if (s.type != PT_LOAD || vaddr < s.vaddr || vaddr - s.vaddr >= s.filesz) continue;
    uint64_t off = s.offset + (vaddr - s.vaddr);
    if (off >= size_) return std::nullopt;
    return off;
  }
  return std::nullopt;
}

std::optional<uint64_t> ElfImage::symbol(std::string_view name) const {
  const ElfSection* symtab = section(".symtab");
  if (!symtab || !is_64_ || symtab->type != SHT_SYMTAB) return std::nullopt;
  // sh_link of .symtab names its string table; find it by index order.
  const ElfSection* strtab = section(".strtab");
  if (!strtab) return std::nullopt;
  auto syms = section_bytes(*symtab);
  auto strs = section_bytes(*strtab);
  for (size_t off = 0; off + sizeof(Elf64_Sym) <= syms.size(); off += sizeof(Elf64_Sym)) {
    Elf64_Sym sym;
    std::memcpy(&sym, syms.data() + off, sizeof(sym));
    if (sym.st_name >= strs.size()) continue;
    const char* s = reinterpret_cast<const char*>(strs.data() + sym.st_name);
    size_t max = strs.size() - sym.st_name;
    size_t len = strnlen(s, max);
    if (len == max) continue;
    if (std::string_view(s, len) == name) return sym.st_value;
  }
  return std::nullopt;
}

}  // namespace cs::go
