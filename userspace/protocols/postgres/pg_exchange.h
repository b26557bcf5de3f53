// A PostgreSQL statement run (a simple Query, or an Execute of the extended protocol) and its result, and
// how it becomes a span:
//   name: "<operation> <table>" from the SQL ("SELECT orders"), the operation alone without a table, or
//   "postgresql" when the text is unknown (a statement prepared before the agent saw the connection);
//   attributes db.system.name "postgresql", db.operation.name, db.collection.name, db.namespace (the
//   database of the startup message, else its user), db.query.text (literals replaced by `?`; verbatim
//   with ExchangeContext::raw_query_text), db.response.returned_rows (rows of the result: the
//   CommandComplete count, else the DataRows seen), db.response.status_code and error.type (SQLSTATE) on
//   an ErrorResponse, server.* / client.*.
//   Error: an ErrorResponse answered it (also an Execute skipped because an earlier message of its Sync
//   failed); status message "SQLSTATE <code>: <message>".
#pragma once

#include <cstdint>
#include <string>

#include "protocols/exchange.h"

namespace cs::postgres {

struct PgExchange final : Exchange {
  std::string query;       // SQL text as sent (cut at the kept bytes); empty if unknown
  std::string database;    // from the startup message
  int64_t rows = -1;       // -1: no count known
  int64_t data_rows = 0;   // DataRow messages seen
  std::string sqlstate;    // ErrorResponse field C
  std::string error_message;  // ErrorResponse field M (cut)

  void describe(const ExchangeContext& ctx, SpanFields& out) const override;
};

}  // namespace cs::postgres
