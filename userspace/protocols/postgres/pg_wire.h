// PostgreSQL v3 wire format helpers: message type letters, lengths, NUL-terminated strings, and the
// evidence that bytes start a frontend message (used for detection and to restart after lost bytes).
#pragma once

#include <cstdint>
#include <string_view>

namespace cs::postgres {

inline constexpr uint32_t kProtocol30 = 196608;       // StartupMessage protocol 3.0
inline constexpr uint32_t kSslRequest = 80877103;
inline constexpr uint32_t kGssEncRequest = 80877104;
inline constexpr uint32_t kCancelRequest = 80877102;
inline constexpr uint32_t kMaxStartupLength = 10000;  // the server's own limit
inline constexpr uint32_t kMaxMessageLength = 1u << 30;

inline uint32_t be32(const char* p) {
  return (uint32_t{static_cast<uint8_t>(p[0])} << 24) | (uint32_t{static_cast<uint8_t>(p[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(p[2])} << 8) | uint32_t{static_cast<uint8_t>(p[3])};
}

bool is_frontend_type(char t);
bool is_backend_type(char t);

// The NUL-terminated string at `at` (advanced past its NUL); without a NUL, the rest.
std::string_view cstring(std::string_view body, size_t& at);

// `b` starts with a StartupMessage (protocol 3.0, first parameter name readable), an SSLRequest, a
// GSSENCRequest or a CancelRequest.
bool looks_like_startup(std::string_view b);

// `b` starts with the 8-byte header of one of those (length and code only).
bool is_startup_header(std::string_view b);

// `b` is exactly a run of whole frontend messages of the normal phase, ending with a Sync or Flush, or a
// single Query whose text ends with its NUL.
bool is_frontend_run(std::string_view b);

}  // namespace cs::postgres
