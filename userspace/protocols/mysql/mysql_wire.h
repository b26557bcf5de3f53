// MySQL wire format helpers: little-endian integers, length-encoded integers, capability flags, and the
// evidence that bytes are a server greeting or one command packet.
#pragma once

#include <cstdint>
#include <string_view>

namespace cs::mysql {

inline constexpr uint32_t kCapConnectWithDb = 0x8;
inline constexpr uint32_t kCapCompress = 0x20;
inline constexpr uint32_t kCapProtocol41 = 0x200;
inline constexpr uint32_t kCapSsl = 0x800;
inline constexpr uint32_t kCapSecureConnection = 0x8000;
inline constexpr uint32_t kCapPluginAuthLenencData = 0x200000;
inline constexpr uint32_t kCapDeprecateEof = 0x1000000;
inline constexpr uint32_t kCapQueryAttributes = 0x8000000;
inline constexpr uint16_t kStatusMoreResults = 0x0008;
inline constexpr uint32_t kMaxPacket = 0xffffff;

inline uint32_t le16(const char* p) {
  return uint32_t{static_cast<uint8_t>(p[0])} | (uint32_t{static_cast<uint8_t>(p[1])} << 8);
}
inline uint32_t le24(const char* p) { return le16(p) | (uint32_t{static_cast<uint8_t>(p[2])} << 16); }
inline uint32_t le32(const char* p) { return le24(p) | (uint32_t{static_cast<uint8_t>(p[3])} << 24); }

// A length-encoded integer at b[at] (advanced past it); false if cut or NULL (0xfb).
bool lenenc(std::string_view b, size_t& at, uint64_t& out);

// `b` is exactly one server greeting packet (sequence 0, protocol 10, a printable version string).
bool is_greeting(std::string_view b);
// `b` is exactly one command packet (sequence 0) of a command that makes sense alone.
bool is_command_packet(std::string_view b);

}  // namespace cs::mysql
