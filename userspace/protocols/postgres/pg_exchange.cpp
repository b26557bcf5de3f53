#include "protocols/postgres/pg_exchange.h"

#include "protocols/db/sql_text.h"

namespace cs::postgres {

void PgExchange::describe(const ExchangeContext& ctx, SpanFields& out) const {
  const db::SqlSummary sum = db::summarize_sql(query);
  if (sum.operation.empty()) out.name = "postgresql";
  else if (sum.collection.empty()) out.name = sum.operation;
  else out.name = sum.operation + " " + sum.collection;
  const bool failed = !sqlstate.empty();
  if (failed) {
    out.error = true;
    out.status_message = "SQLSTATE " + sqlstate + ": " + error_message;
  }
  out.attributes.reserve(out.attributes.size() + 12);
  out.attributes.push_back({"db.system.name", std::string("postgresql")});
  if (!sum.operation.empty()) out.attributes.push_back({"db.operation.name", sum.operation});
  if (!sum.collection.empty()) out.attributes.push_back({"db.collection.name", sum.collection});
  if (!database.empty()) out.attributes.push_back({"db.namespace", database});
  if (!query.empty()) {
    std::string text;
    if (ctx.raw_query_text) text = query;
    else db::sanitize_sql(query, db::SqlDialect::Postgres, text);
    out.attributes.push_back({"db.query.text", std::move(text)});
  }
  const int64_t returned = rows >= 0 ? rows : data_rows;
  if (has_response && !failed && (rows >= 0 || data_rows > 0))
    out.attributes.push_back({"db.response.returned_rows", returned});
  if (failed) {
    out.attributes.push_back({"db.response.status_code", sqlstate});
    out.attributes.push_back({"error.type", sqlstate});
  }
  append_endpoint_attributes(ctx, out.attributes);
}

}  // namespace cs::postgres
