#include "runtimes/go/go_dwarf.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace cs::go {
namespace {

std::optional<uint64_t> member_in(Dwarf_Die* type_die, const std::string& member) {
  Dwarf_Die child;
  if (dwarf_child(type_die, &child) != 0) return std::nullopt;
  do {
    if (dwarf_tag(&child) != DW_TAG_member) continue;
    const char* name = dwarf_diename(&child);
    if (!name || member != name) continue;
    Dwarf_Attribute attr;
    Dwarf_Word off = 0;
    if (!dwarf_attr(&child, DW_AT_data_member_location, &attr) || dwarf_formudata(&attr, &off) != 0)
      return std::nullopt;
    return off;
  } while (dwarf_siblingof(&child, &child) == 0);
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> dwarf_member_offset(const std::string& path, const std::string& type,
                                            const std::string& member) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  Dwarf* dw = dwarf_begin(fd, DWARF_C_READ);
  std::optional<uint64_t> result;
  if (dw) {
    Dwarf_Off off = 0, next = 0;
    size_t header_size = 0;
    while (!result && dwarf_nextcu(dw, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die cu;
      if (dwarf_offdie(dw, off + header_size, &cu)) {
        Dwarf_Die die;
        if (dwarf_child(&cu, &die) == 0) {
          do {
            if (dwarf_tag(&die) != DW_TAG_structure_type) continue;
            const char* name = dwarf_diename(&die);
            if (name && type == name) {
              result = member_in(&die, member);
              break;
            }
          } while (dwarf_siblingof(&die, &die) == 0);
        }
      }
      off = next;
    }
    dwarf_end(dw);
  }
  ::close(fd);
  return result;
}

}  // namespace cs::go
