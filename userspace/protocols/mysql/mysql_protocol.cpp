#include "protocols/mysql/mysql_protocol.h"

#include "protocols/mysql/mysql_session.h"
#include "protocols/mysql/mysql_wire.h"

namespace cs::mysql {

Detect MysqlProtocol::detect(std::string_view b) const {
  if (is_greeting(b)) return Detect::SentByServer;
  if (is_command_packet(b)) return Detect::SentByClient;
  return Detect::No;
}

std::unique_ptr<ProtocolSession> MysqlProtocol::create_session(Dir request_dir, ExchangeSink& sink) const {
  return std::make_unique<MysqlSession>(request_dir, sink);
}

const Protocol& mysql_protocol() {
  static const MysqlProtocol instance;
  return instance;
}

}  // namespace cs::mysql
