#include "protocols/mysql/mysql_wire.h"

#include "protocols/mysql/mysql_exchange.h"

namespace cs::mysql {

bool lenenc(std::string_view b, size_t& at, uint64_t& out) {
  if (at >= b.size()) return false;
  const uint8_t c = static_cast<uint8_t>(b[at]);
  size_t n = 0;
  if (c < 0xfb) {
    out = c;
    at += 1;
    return true;
  }
  if (c == 0xfc) n = 2;
  else if (c == 0xfd) n = 3;
  else if (c == 0xfe) n = 8;
  else return false;
  if (b.size() - at < n + 1) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) out |= uint64_t{static_cast<uint8_t>(b[at + 1 + i])} << (8 * i);
  at += 1 + n;
  return true;
}

bool is_greeting(std::string_view b) {
  if (b.size() < 4 + 40) return false;
  const uint32_t len = le24(b.data());
  if (len + 4 != b.size() || b[3] != 0 || b[4] != 0x0a) return false;
  size_t i = 5;
  if (b[i] < '0' || b[i] > '9') return false;
  while (i < b.size() && b[i] != '\0') {
    if (b[i] < 0x20 || b[i] > 0x7e || i > 5 + 80) return false;
    ++i;
  }
  return i < b.size();
}

bool is_command_packet(std::string_view b) {
  if (b.size() < 5) return false;
  const uint32_t len = le24(b.data());
  if (len + 4 != b.size() || b[3] != 0) return false;
  const uint8_t c = static_cast<uint8_t>(b[4]);
  switch (c) {
    case kQuery:
    case kStmtPrepare: {
      if (len < 2) return false;
      for (size_t i = 5; i < b.size(); ++i) {
        const unsigned char ch = static_cast<unsigned char>(b[i]);
        if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') return false;
      }
      return true;
    }
    case kStmtExecute:
      return len >= 10;
    case kPing:
    case kQuit:
    case kStatistics:
    case kResetConnection:
      return len == 1;
    case kInitDb:
      return len >= 2;
    case kStmtClose:
    case kStmtReset:
      return len == 5;
    default:
      return false;
  }
}

}  // namespace cs::mysql
