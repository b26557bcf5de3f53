// PostgreSQL wire protocol v3: detection from a connection's first bytes and session factory.
#pragma once

#include "protocols/protocol.h"

namespace cs::postgres {

class PgProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "postgresql"; }
  // Client bytes only: a StartupMessage / SSLRequest / GSSENCRequest / CancelRequest, or (a connection
  // older than the agent) a segment made exactly of whole frontend messages ending with Sync or Flush, or
  // one whole Query.
  Detect detect(std::string_view first_bytes) const override;
  std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const override;
};

const Protocol& pg_protocol();

}  // namespace cs::postgres
