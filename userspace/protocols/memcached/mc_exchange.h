// A memcached text-protocol command and its reply, and how it becomes a span:
//   name: the command as sent ("get", "set", "mg"); attributes db.system.name "memcached",
//   db.operation.name, db.query.text (the command and its keys; other arguments as `?`, meta flags
//   without their values; verbatim with ExchangeContext::raw_query_text), db.response.status_code (the
//   reply's first word: "STORED", "END", "NOT_FOUND", "HD", "EN", ...), db.response.returned_rows (items
//   a get returned), server.* / client.*.
//   Error: ERROR / CLIENT_ERROR / SERVER_ERROR; status message: that line.
//   A command sent with noreply or the meta quiet flag, or inside a quiet pipeline, has no reply paired:
//   its span ends with the request, without db.response.*.
#pragma once

#include <cstdint>
#include <string>

#include "protocols/exchange.h"

namespace cs::memcached {

struct McExchange final : Exchange {
  std::string line;        // the command line as sent (cut)
  std::string command;     // its first word
  enum class Kind : uint8_t { Single, Retrieval, Stats } kind = Kind::Single;
  bool swallow = false;    // "mn" ending a quiet pipeline: replies before its MN are consumed
  std::string status;      // first word of the reply's last line
  std::string error_line;  // ERROR / CLIENT_ERROR / SERVER_ERROR line
  int64_t items = 0;       // VALUE blocks

  void describe(const ExchangeContext& ctx, SpanFields& out) const override;
};

}  // namespace cs::memcached
