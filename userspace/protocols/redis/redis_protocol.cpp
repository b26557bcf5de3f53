#include "protocols/redis/redis_protocol.h"

#include "protocols/redis/redis_session.h"

namespace cs::redis {

namespace {

// Reads "<digits>\r\n" at b[i], at most `max_digits`; returns the value or -1.
int64_t read_count(std::string_view b, size_t& i, size_t max_digits) {
  const size_t start = i;
  int64_t v = 0;
  while (i < b.size() && b[i] >= '0' && b[i] <= '9' && i - start < max_digits) v = v * 10 + (b[i++] - '0');
  if (i == start || i + 1 >= b.size() || b[i] != '\r' || b[i + 1] != '\n') return -1;
  i += 2;
  return v;
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '|' || c == '_'; }

}  // namespace

Detect RedisProtocol::detect(std::string_view b) const {
  if (b.size() < 10 || b[0] != '*') return Detect::No;
  size_t i = 1;
  const int64_t n = read_count(b, i, 6);
  if (n < 1 || i >= b.size() || b[i] != '$') return Detect::No;
  ++i;
  const int64_t len = read_count(b, i, 2);
  if (len < 1 || len > 32 || i + static_cast<size_t>(len) + 2 > b.size()) return Detect::No;
  for (int64_t k = 0; k < len; ++k)
    if (!is_name_char(b[i + k])) return Detect::No;
  i += static_cast<size_t>(len);
  return (b[i] == '\r' && b[i + 1] == '\n') ? Detect::SentByClient : Detect::No;
}

std::unique_ptr<ProtocolSession> RedisProtocol::create_session(Dir request_dir, ExchangeSink& sink) const {
  return std::make_unique<RedisSession>(request_dir, sink);
}

const Protocol& redis_protocol() {
  static const RedisProtocol instance;
  return instance;
}

}  // namespace cs::redis
