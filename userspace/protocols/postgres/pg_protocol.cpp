#include "protocols/postgres/pg_protocol.h"

#include "protocols/postgres/pg_session.h"
#include "protocols/postgres/pg_wire.h"

namespace cs::postgres {

Detect PgProtocol::detect(std::string_view b) const {
  if (looks_like_startup(b) || is_frontend_run(b)) return Detect::SentByClient;
  return Detect::No;
}

std::unique_ptr<ProtocolSession> PgProtocol::create_session(Dir request_dir, ExchangeSink& sink) const {
  return std::make_unique<PgSession>(request_dir, sink);
}

const Protocol& pg_protocol() {
  static const PgProtocol instance;
  return instance;
}

}  // namespace cs::postgres
