// A MySQL / MariaDB command and its response, and how it becomes a span:
//   name: COM_QUERY and COM_STMT_EXECUTE: "<operation> <table>" from the SQL ("SELECT orders"; an
//   Execute carries the text its statement was prepared with; "mysql" / "mariadb" if unknown);
//   COM_STMT_PREPARE: "PREPARE <operation> <table>"; other commands their name ("PING", "INIT_DB").
//   attributes db.system.name ("mariadb" when the server greeting says MariaDB, else "mysql"),
//   db.operation.name, db.collection.name, db.namespace (the database of the handshake, COM_INIT_DB or
//   USE), db.query.text (literals replaced by `?`; verbatim with ExchangeContext::raw_query_text),
//   db.response.returned_rows (rows of the result sets), db.response.status_code and error.type (the
//   error number, e.g. "1064") on an ERR packet, server.* / client.*.
//   Error: an ERR packet; status message "ERROR <number> (<SQLSTATE>): <message>".
#pragma once

#include <cstdint>
#include <string>

#include "protocols/exchange.h"

namespace cs::mysql {

// Command bytes (first byte of a command packet).
enum Command : uint8_t {
  kQuit = 0x01,
  kInitDb = 0x02,
  kQuery = 0x03,
  kFieldList = 0x04,
  kStatistics = 0x09,
  kPing = 0x0e,
  kChangeUser = 0x11,
  kStmtPrepare = 0x16,
  kStmtExecute = 0x17,
  kStmtSendLongData = 0x18,
  kStmtClose = 0x19,
  kStmtReset = 0x1a,
  kSetOption = 0x1b,
  kStmtFetch = 0x1c,
  kResetConnection = 0x1f,
};

// The name of a command ("QUERY", "PING"); empty for an unknown byte.
std::string_view command_name(uint8_t command);

struct MysqlExchange final : Exchange {
  uint8_t command = 0;
  std::string query;        // COM_QUERY / COM_STMT_PREPARE text, or the statement's for COM_STMT_EXECUTE
  std::string database;
  bool mariadb = false;
  int64_t rows = 0;
  bool result_set = false;  // rows were returned (a result set, even empty)
  uint16_t error_code = 0;  // 0: no ERR packet
  std::string sqlstate;
  std::string error_message;

  void describe(const ExchangeContext& ctx, SpanFields& out) const override;
};

}  // namespace cs::mysql
