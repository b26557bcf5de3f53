// Go build info: the Go version a binary was built with, from its ".go.buildinfo" blob.
// Rules: the blob starts with the 14-byte magic "\xff Go buildinf:", then pointer size and flags; Go >= 1.18
// (flags & 2) stores the version inline as a varint-prefixed string at offset 32; older versions store
// pointers to Go string headers at offsets 16 and 16+ptrsize. Looked for in the .go.buildinfo section,
// else in writable loadable segments (16-byte aligned). Not found = not a Go binary (or not one we read).
#pragma once

#include <optional>
#include <string>

#include "runtimes/go/elf_image.h"

namespace cs::go {

struct GoVersion {
  std::string text;  // as the toolchain wrote it, e.g. "go1.19.8", "go1.21rc2", "devel go1.23-abcdef"
  int major = 0;
  int minor = 0;
  int patch = 0;

  bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
};

// Parses "go1.19.8", "go1.21rc2", "devel go1.23-..." (nullopt when no "goM.N" in it).
std::optional<GoVersion> parse_go_version(const std::string& text);

// The build info's Go version, or nullopt (with the reason in `why`).
std::optional<GoVersion> read_go_build_version(const ElfImage& elf, std::string& why);

}  // namespace cs::go
