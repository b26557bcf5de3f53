#include "protocols/postgres/pg_wire.h"

#include <cstring>

namespace cs::postgres {

bool is_frontend_type(char t) { return t != 0 && std::strchr("QPBDESHCFXpdcf", t) != nullptr; }
bool is_backend_type(char t) { return t != 0 && std::strchr("RKSZTDCIENA123tnsGHWdcVv", t) != nullptr; }

std::string_view cstring(std::string_view body, size_t& at) {
  if (at >= body.size()) return {};
  const size_t nul = body.find('\0', at);
  const size_t end = nul == std::string_view::npos ? body.size() : nul;
  const std::string_view s = body.substr(at, end - at);
  at = nul == std::string_view::npos ? body.size() : nul + 1;
  return s;
}

bool is_startup_header(std::string_view b) {
  if (b.size() < 8) return false;
  const uint32_t len = be32(b.data());
  const uint32_t code = be32(b.data() + 4);
  if (code == kSslRequest || code == kGssEncRequest) return len == 8;
  if (code == kCancelRequest) return len == 16;
  return code == kProtocol30 && len >= 9 && len <= kMaxStartupLength;
}

bool looks_like_startup(std::string_view b) {
  if (b.size() < 8) return false;
  const uint32_t len = be32(b.data());
  const uint32_t code = be32(b.data() + 4);
  if (code == kSslRequest || code == kGssEncRequest) return len == 8;
  if (code == kCancelRequest) return len == 16;
  if (code != kProtocol30 || len < 9 || len > kMaxStartupLength) return false;
  // The first parameter name: lower-case letters or '_' up to its NUL.
  size_t i = 8;
  while (i < b.size() && ((b[i] >= 'a' && b[i] <= 'z') || b[i] == '_')) ++i;
  return i > 8 && i < b.size() && b[i] == '\0';
}

bool is_frontend_run(std::string_view b) {
  size_t i = 0;
  int messages = 0;
  char last = 0;
  bool query = false;
  while (i < b.size()) {
    if (b.size() - i < 5) return false;
    const char t = b[i];
    if (std::strchr("QPBDESHC", t) == nullptr || t == 0) return false;
    const uint32_t len = be32(b.data() + i + 1);
    if (len < 4 || len > kMaxMessageLength || len > b.size() - i - 1) return false;
    if (t == 'Q') {
      if (len < 5 || b[i + len] != '\0') return false;
      query = true;
    }
    if ((t == 'S' || t == 'H') && len != 4) return false;
    i += 1 + len;
    last = t;
    ++messages;
  }
  if (messages == 0) return false;
  return last == 'S' || last == 'H' || (query && messages == 1);
}

}  // namespace cs::postgres
