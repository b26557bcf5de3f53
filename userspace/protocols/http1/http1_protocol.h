// HTTP/1.x: detection from the first bytes of a connection and session factory.
#pragma once

#include "protocols/http1/http1_options.h"
#include "protocols/protocol.h"

namespace cs::http1 {

class Http1Protocol final : public Protocol {
 public:
  // `options` must outlive the protocol and every span (http1_options.h).
  explicit Http1Protocol(const Http1Options& options = default_http1_options()) : options_(options) {}
  std::string_view name() const override { return "http1"; }
  Detect detect(std::string_view first_bytes) const override;
  std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const override;

 private:
  const Http1Options& options_;
};

const Protocol& http1_protocol();

}  // namespace cs::http1
