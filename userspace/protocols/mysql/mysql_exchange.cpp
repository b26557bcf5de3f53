#include "protocols/mysql/mysql_exchange.h"

#include "protocols/db/sql_text.h"

namespace cs::mysql {

std::string_view command_name(uint8_t c) {
  switch (c) {
    case kQuit: return "QUIT";
    case kInitDb: return "INIT_DB";
    case kQuery: return "QUERY";
    case kFieldList: return "FIELD_LIST";
    case kStatistics: return "STATISTICS";
    case kPing: return "PING";
    case kChangeUser: return "CHANGE_USER";
    case kStmtPrepare: return "PREPARE";
    case kStmtExecute: return "EXECUTE";
    case kStmtSendLongData: return "SEND_LONG_DATA";
    case kStmtClose: return "CLOSE";
    case kStmtReset: return "RESET";
    case kSetOption: return "SET_OPTION";
    case kStmtFetch: return "FETCH";
    case kResetConnection: return "RESET_CONNECTION";
    default: return {};
  }
}

void MysqlExchange::describe(const ExchangeContext& ctx, SpanFields& out) const {
  const bool sql = command == kQuery || command == kStmtPrepare || command == kStmtExecute;
  db::SqlSummary sum;
  if (sql) sum = db::summarize_sql(query);
  std::string op = sql ? sum.operation : std::string(command_name(command));
  if (sql) {
    std::string base;
    if (sum.operation.empty()) base = mariadb ? "mariadb" : "mysql";
    else if (sum.collection.empty()) base = sum.operation;
    else base = sum.operation + " " + sum.collection;
    out.name = command == kStmtPrepare ? "PREPARE " + base : base;
    if (command == kStmtPrepare) op = "PREPARE";
  } else {
    out.name = op.empty() ? std::string(mariadb ? "mariadb" : "mysql") : op;
  }
  const bool failed = error_code != 0;
  if (failed) {
    out.error = true;
    out.status_message = "ERROR " + std::to_string(error_code) + " (" + sqlstate + "): " + error_message;
  }
  out.attributes.reserve(out.attributes.size() + 12);
  out.attributes.push_back({"db.system.name", std::string(mariadb ? "mariadb" : "mysql")});
  if (!op.empty()) out.attributes.push_back({"db.operation.name", std::move(op)});
  if (!sum.collection.empty()) out.attributes.push_back({"db.collection.name", sum.collection});
  if (!database.empty()) out.attributes.push_back({"db.namespace", database});
  if (sql && !query.empty()) {
    std::string text;
    if (ctx.raw_query_text) text = query;
    else db::sanitize_sql(query, db::SqlDialect::MySql, text);
    out.attributes.push_back({"db.query.text", std::move(text)});
  }
  if (result_set && !failed) out.attributes.push_back({"db.response.returned_rows", rows});
  if (failed) {
    out.attributes.push_back({"db.response.status_code", std::to_string(error_code)});
    out.attributes.push_back({"error.type", std::to_string(error_code)});
  }
  append_endpoint_attributes(ctx, out.attributes);
}

}  // namespace cs::mysql
