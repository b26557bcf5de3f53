#include "protocols/exchange.h"

#include <string>

namespace cs {

void append_endpoint_attributes(const ExchangeContext& ctx, Attributes& out) {
  // Built in place (emplace_back): no temporary attribute moved and destroyed.
  out.emplace_back("server.address", std::string(ctx.server_address));
  out.emplace_back("server.port", int64_t{ctx.server_port});
  out.emplace_back("client.address", std::string(ctx.client_address));
  out.emplace_back("client.port", int64_t{ctx.client_port});
}

}  // namespace cs
