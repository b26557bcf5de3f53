// The Go function table from .gopclntab (it survives `-ldflags=-s -w`: the runtime needs it for stack
// traces): name, entry address and end of every function.
// Rules: reads the layouts of Go 1.16/1.17 (magic 0xfffffffa), 1.18/1.19 (0xfffffff0) and 1.20+
// (0xfffffff1) with 8-byte pointers, little-endian; every offset is bounds-checked. Found as the
// .gopclntab section, else by scanning read-only loadable segments for a header that parses (binaries
// without section headers). Function end = the next function's entry (it includes alignment padding).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtimes/go/elf_image.h"

namespace cs::go {

struct GoFunction {
  std::string name;  // as in Go stack traces, e.g. "net/http.(*persistConn).roundTrip"
  uint64_t entry = 0;
  uint64_t end = 0;
};

class GoFuncTable {
 public:
  // Parses the table, or nullopt with the reason in `why`.
  static std::optional<GoFuncTable> read(const ElfImage& elf, std::string& why);
  // Parses a table that starts at bytes[0] (bytes may run past its end); `address` is where it is loaded.
  static std::optional<GoFuncTable> parse(std::span<const uint8_t> bytes, uint64_t address, std::string& why);

  const std::vector<GoFunction>& functions() const { return functions_; }
  const GoFunction* find(std::string_view name) const;
  uint32_t magic() const { return magic_; }
  uint64_t address() const { return address_; }  // virtual address of the table header

 private:
  std::vector<GoFunction> functions_;
  uint32_t magic_ = 0;
  uint64_t address_ = 0;
};

}  // namespace cs::go
