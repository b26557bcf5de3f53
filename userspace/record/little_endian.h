// Fixed-width little-endian encoding for the capture file format (independent of the host's order).
#pragma once

#include <cstdint>
#include <string>

namespace cs::le {

template <typename T>
void put(std::string& out, T value) {
  auto v = static_cast<uint64_t>(value);
  for (size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>(v & 0xff));
    v >>= 8;
  }
}

template <typename T>
T get(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = sizeof(T); i-- > 0;) v = (v << 8) | p[i];
  return static_cast<T>(v);
}

}  // namespace cs::le
