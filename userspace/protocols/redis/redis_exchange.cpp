#include "protocols/redis/redis_exchange.h"

namespace cs::redis {

bool arguments_secret(std::string_view c) { return c == "AUTH" || c == "HELLO" || c == "MIGRATE" || c == "ACL"; }

void RedisExchange::describe(const ExchangeContext& ctx, SpanFields& out) const {
  out.name = command;
  const bool failed = reply_type == '-' || reply_type == '!';
  std::string_view prefix;
  if (failed) {
    out.error = true;
    out.status_message = error;
    prefix = std::string_view(error).substr(0, std::string_view(error).find(' '));
  }
  out.attributes.reserve(out.attributes.size() + 11);
  out.attributes.push_back({"db.system.name", std::string("redis")});
  out.attributes.push_back({"db.operation.name", command});
  if (db_index >= 0) out.attributes.push_back({"db.namespace", std::to_string(db_index)});

  std::string text = command;
  const bool secret = arguments_secret(command);
  for (uint32_t i = 0; i < args_kept; ++i) {
    text.push_back(' ');
    if (secret || (i > 0 && !ctx.raw_query_text)) text.push_back('?');
    else text.append(args[i]);
  }
  // Arguments beyond the kept ones: one `?` each, at most 16 in all, then "...".
  for (int64_t i = args_kept; i < args_total; ++i) {
    if (i >= 16) {
      text.append(" ...");
      break;
    }
    text.append(" ?");
  }
  out.attributes.push_back({"db.query.text", std::move(text)});
  if (failed) {
    out.attributes.push_back({"db.response.status_code", std::string(prefix)});
    out.attributes.push_back({"error.type", std::string(prefix)});
  }
  append_endpoint_attributes(ctx, out.attributes);
}

}  // namespace cs::redis
