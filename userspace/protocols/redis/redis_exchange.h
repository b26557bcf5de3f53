// A Redis command and its reply, and how it becomes a span:
//   name: the command ("GET", "CLIENT"); attributes db.system.name "redis", db.operation.name,
//   db.namespace (the database index, once a SELECT was seen on the connection), db.query.text (the
//   command and its first argument, usually the key, then `?` for every further argument; verbatim with
//   ExchangeContext::raw_query_text; never the arguments of AUTH / HELLO / MIGRATE), db.response.status_code
//   and error.type (the error prefix, e.g. "ERR", "WRONGTYPE") on an error reply, server.* / client.*.
//   Error: an error reply ('-' or RESP3 '!'); status message: the error line.
#pragma once

#include <cstdint>
#include <string>

#include "protocols/exchange.h"
#include "protocols/redis/resp_scanner.h"

namespace cs::redis {

struct RedisExchange final : Exchange {
  std::string command;   // upper-cased
  std::string args[kKeptArgs - 1];  // arguments after the command, each cut at kKeptArgBytes
  uint32_t args_kept = 0;
  int64_t args_total = 0;           // arguments after the command, all of them
  int64_t db_index = -1;            // -1: not known
  char reply_type = 0;
  std::string error;                // error reply line

  void describe(const ExchangeContext& ctx, SpanFields& out) const override;
};

// Whether a command's arguments may be shown at all (AUTH, HELLO, MIGRATE carry credentials).
bool arguments_secret(std::string_view command);

}  // namespace cs::redis
