#include "protocols/http1/http1_protocol.h"

#include "protocols/http1/http1_head.h"
#include "protocols/http1/http1_session.h"

namespace cs::http1 {

Detect Http1Protocol::detect(std::string_view first_bytes) const {
  // Only a whole method token + space, or a whole "HTTP/1.", is sure enough.
  if (starts_with_common_method(first_bytes)) return Detect::SentByClient;
  if (match_message_start(first_bytes, false) == StartMatch::Yes) return Detect::SentByServer;
  return Detect::No;
}

std::unique_ptr<ProtocolSession> Http1Protocol::create_session(Dir request_dir, ExchangeSink& sink) const {
  return std::make_unique<Http1Session>(request_dir, sink, options_);
}

const Protocol& http1_protocol() {
  static const Http1Protocol instance;
  return instance;
}

}  // namespace cs::http1
