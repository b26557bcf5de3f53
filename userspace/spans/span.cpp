#include "spans/span.h"

#include <cstdio>

namespace cs {

bool TraceId::valid() const {
  for (uint8_t b : bytes)
    if (b != 0) return true;
  return false;
}

std::string TraceId::hex() const {
  static const char* digits = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

std::string span_id_hex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return std::string(buf, 16);
}

const Attribute* Span::find(std::string_view key) const {
  for (const auto& a : attributes)
    if (a.key == key) return &a;
  return nullptr;
}

}  // namespace cs
