// Redis (RESP2 and RESP3): detection from a connection's first bytes and session factory.
#pragma once

#include "protocols/protocol.h"

namespace cs::redis {

class RedisProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "redis"; }
  // Only a client's command array is trusted: "*<n>\r\n$<len>\r\n<letters>\r\n", the first argument a
  // command name (letters, '-' or '|', 1-32 bytes). Replies and inline commands are not enough to tell.
  Detect detect(std::string_view first_bytes) const override;
  std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const override;
};

const Protocol& redis_protocol();

}  // namespace cs::redis
