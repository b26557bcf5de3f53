// MySQL / MariaDB client/server protocol: detection from a connection's first bytes and session factory.
#pragma once

#include "protocols/protocol.h"

namespace cs::mysql {

class MysqlProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "mysql"; }
  // A server greeting (one packet, sequence 0, protocol version 10, a printable version string), or (a
  // connection older than the agent) a segment that is exactly one command packet (sequence 0, a known
  // command, e.g. COM_QUERY with printable text).
  Detect detect(std::string_view first_bytes) const override;
  std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const override;
};

const Protocol& mysql_protocol();

}  // namespace cs::mysql
