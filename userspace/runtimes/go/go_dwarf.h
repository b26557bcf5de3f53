// Facts from a Go binary's DWARF (absent when built with -ldflags=-w or stripped): offsets of struct
// members, e.g. runtime.g.goid. Go names its DWARF types by package path ("runtime.g").
// Rules: read-only, any failure (no DWARF, no such type or member) is nullopt, never an abort.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cs::go {

// Byte offset of `member` in the struct type named `type` (e.g. "runtime.g", "goid").
std::optional<uint64_t> dwarf_member_offset(const std::string& path, const std::string& type,
                                            const std::string& member);

}  // namespace cs::go
