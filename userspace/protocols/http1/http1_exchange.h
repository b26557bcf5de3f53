// An HTTP/1.x request and its response, and how it becomes a span (README "JSON output"):
//   name "METHOD /path"; attributes http.request.method, url.path, http.response.status_code (if a
//   response was seen), server.address, server.port, client.address, client.port,
//   network.protocol.name "http", network.protocol.version, url.query (values REDACTED unless
//   --raw-url-query), http.request.header.<name> / http.response.header.<name> for headers named by
//   --http-header only (http1_options.h); error on a 5xx response (server span) or a
//   4xx/5xx response (client span), status message "HTTP <code>". Body bytes on the wire (after each
//   head) go to SpanFields' request/response_body_bytes, not to the attributes.
#pragma once

#include <utility>

#include "protocols/exchange.h"
#include "protocols/http1/http1_head.h"
#include "protocols/http1/http1_options.h"

namespace cs::http1 {

struct Http1Exchange final : Exchange {
  Http1Head request_http;
  Http1Head response_http;  // meaningful if has_response
  const Http1Options* options = nullptr;  // nullptr: default_http1_options()

  void set_request(Http1Message&& m) {
    request = std::move(static_cast<Message&>(m));
    request_http = std::move(static_cast<Http1Head&>(m));
  }
  void set_response(Http1Message&& m) {
    has_response = true;
    response = std::move(static_cast<Message&>(m));
    response_http = std::move(static_cast<Http1Head&>(m));
  }

  void describe(const ExchangeContext& ctx, SpanFields& out) const override;
};

}  // namespace cs::http1
