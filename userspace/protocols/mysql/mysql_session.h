// MySQL / MariaDB client/server protocol state of one connection: a packet reader per direction, the
// handshake, prepared statements, and the pairing of each response with its command.
//
// Rules (beyond protocols/protocol.h):
//  - The protocol is half-duplex: a command (a packet with sequence id 0) gets its whole response before
//    the next command; every packet of a command's exchange has the next sequence id (both directions).
//    A packet with another id, or a command while a response is incomplete, means the pairing is lost.
//  - Requests (spans) are the commands that get a response: COM_QUERY, COM_STMT_PREPARE,
//    COM_STMT_EXECUTE (carrying the text of its statement), COM_PING, COM_INIT_DB, ... COM_QUIT,
//    COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA get none and make no span (STMT_CLOSE forgets the text).
//  - A response is an OK, an ERR, or result sets (column count, column definitions, EOF unless
//    CLIENT_DEPRECATE_EOF, rows, then EOF / OK or ERR; more follow while SERVER_MORE_RESULTS_EXISTS).
//    Rows are counted, never kept. A prepare's response is PREPARE_OK, its parameter and column
//    definitions.
//  - Handshake: the greeting tells MySQL from MariaDB and the server's capabilities, the handshake
//    response the client's and the database. An SSL request, or compression, makes the rest unreadable:
//    the session stops reading the connection.
//  - A response longer than the captured bytes (packet headers among the bytes not copied) ends where the
//    server's bytes end, once the next command proves it was over (half-duplex); its rows past the
//    captured bytes are not counted.
//  - After lost bytes: the command reader restarts at a segment holding exactly one command packet; the
//    response reader at the first server segment after the next command (half-duplex makes that its
//    response; its first packet must have sequence id 1).
//  - Memory: at most kMaxStatements prepared statements remembered.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "protocols/db/framed_reader.h"
#include "protocols/db/in_order_exchanges.h"
#include "protocols/mysql/mysql_exchange.h"
#include "protocols/protocol.h"

namespace cs::mysql {

inline constexpr size_t kMaxStatements = 256;

class MysqlSession final : public ProtocolSession, private db::FramedReader::Owner {
 public:
  MysqlSession(Dir request_dir, ExchangeSink& sink);

  void on_segment(Dir dir, const Segment& seg) override;
  void on_close(uint64_t ts_ns, bool reset) override;
  const ProtocolStats& stats() const override { return stats_; }

  bool unreadable() const { return phase_ == Phase::Unreadable; }

 private:
  enum class Phase : uint8_t { Greeting, Auth, Command, Unreadable };
  enum class Sync : uint8_t { Synced, WaitRequest, WaitSegment };
  // Where the response to the pending command is.
  enum class Resp : uint8_t {
    None, First, Columns, AfterColumns, Rows, PrepParams, PrepParamsEof, PrepColumns, PrepColumnsEof, Infile,
  };

  size_t header_size(bool) const override { return 4; }
  int64_t body_length(bool client, std::string_view header) const override;
  size_t keep_bytes(bool client, std::string_view header) const override;
  bool proves_start(bool client, std::string_view captured, uint64_t len) const override;
  void on_frame(bool client, const db::Frame& f) override;
  void on_broken(bool client, const db::FramingBreak& why) override;

  void on_client(const db::Frame& f);
  void on_server(const db::Frame& f);
  void on_command(const db::Frame& f);
  void on_response(const db::Frame& f);
  void on_greeting(std::string_view body);
  void on_handshake_response(std::string_view body);
  // The response is complete with packet `f`.
  void complete(const db::Frame& f);
  // An OK / EOF ended a result (or a command): more results follow, or the response is complete.
  void end_of_result(const db::Frame& f, uint16_t status);
  void on_err(const db::Frame& f);
  void loss();
  // The response in progress was longer than the captured bytes: it ends where the server's bytes ended
  // (called when the next command proves it was over, or at close).
  void finish_cut();
  void stop_reading();

  const Dir request_dir_;
  ProtocolStats stats_;
  db::InOrderExchanges<MysqlExchange> pending_;
  db::FramedReader client_;
  db::FramedReader server_;
  Phase phase_ = Phase::Command;
  Sync sync_ = Sync::WaitRequest;
  bool answer_cut_ = false;          // the server's framing ran into uncaptured bytes (finish_cut)
  uint64_t cut_start_ = 0;
  SyscallMeta cut_first_;
  bool first_segment_ = true;
  bool handshake_response_seen_ = false;

  uint8_t seq_ = 0;                  // sequence id of the last packet of the current exchange
  Resp resp_ = Resp::None;
  bool server_continues_ = false;    // the last server packet was 0xffffff long: the next continues it
  uint64_t columns_left_ = 0;
  uint64_t params_left_ = 0;
  uint32_t preparing_id_ = 0;

  uint32_t server_caps_ = 0;
  uint32_t client_caps_ = 0;
  bool deprecate_eof_ = false;       // CLIENT_DEPRECATE_EOF negotiated (false when the handshake was not seen)
  bool query_attributes_ = false;    // CLIENT_QUERY_ATTRIBUTES negotiated
  bool mariadb_ = false;
  std::string database_;
  std::string next_database_;        // COM_INIT_DB / USE in flight
  std::unordered_map<uint32_t, std::string> statements_;  // statement id -> text
};

}  // namespace cs::mysql
