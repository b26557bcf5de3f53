// memcached text protocol (classic and meta commands): detection from a connection's first bytes and
// session factory. The binary protocol is not read.
#pragma once

#include "protocols/protocol.h"

namespace cs::memcached {

class McProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "memcached"; }
  // Client bytes only: a whole command line of a known command (see is_command_line).
  Detect detect(std::string_view first_bytes) const override;
  std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const override;
};

const Protocol& memcached_protocol();

}  // namespace cs::memcached
