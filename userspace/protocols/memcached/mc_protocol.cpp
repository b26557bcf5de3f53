#include "protocols/memcached/mc_protocol.h"

#include "protocols/memcached/mc_session.h"

namespace cs::memcached {

Detect McProtocol::detect(std::string_view b) const {
  return is_command_line(b) ? Detect::SentByClient : Detect::No;
}

std::unique_ptr<ProtocolSession> McProtocol::create_session(Dir request_dir, ExchangeSink& sink) const {
  return std::make_unique<McSession>(request_dir, sink);
}

const Protocol& memcached_protocol() {
  static const McProtocol instance;
  return instance;
}

}  // namespace cs::memcached
