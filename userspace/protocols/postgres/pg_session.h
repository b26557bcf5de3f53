// PostgreSQL wire protocol v3 state of one connection: a message reader per direction, the startup and
// authentication phase, the statements and portals the extended protocol names, and the pairing of the
// backend's answers with the frontend's messages.
//
// Rules (beyond protocols/protocol.h):
//  - Requests (spans) are simple Queries and Executes. A Query's answer runs to its ReadyForQuery; an
//    Execute's from the first answer after the previous request to its CommandComplete / EmptyQuery /
//    PortalSuspended / ErrorResponse. Parse / Bind / Describe / Close / Sync / Flush are consumed: Parse
//    remembers the text of its statement (named statements for as long as the connection keeps them),
//    Bind which statement a portal runs, so each Execute carries its text.
//  - Every frontend message waits for the answer the protocol gives it (ParseComplete, BindComplete, ...);
//    an answer that does not fit the oldest waiting message means the pairing is lost (counted, handled as
//    a loss). After an ErrorResponse in the extended protocol the backend skips to the Sync: the Executes
//    skipped end with that error.
//  - Startup: SSLRequest / GSSENCRequest answered 'N' go on in plaintext; answered 'S' / 'G' the
//    connection is TLS / GSS-encrypted and the session stops reading it. The StartupMessage's database
//    (else user) is db.namespace. Authentication, ParameterStatus, BackendKeyData, notices and
//    notifications make no span.
//  - Answers longer than the captured bytes, on a connection that never pipelined: the requests waiting end
//    where the backend's bytes end, once the next frontend message proves their answers were over (what
//    was not captured, e.g. a row count, is unknown).
//  - After lost bytes: the frontend reader restarts at a segment that parses whole as frontend messages;
//    the backend reader, on a connection that never had two Syncs (or Queries) outstanding, at the first
//    backend segment after the next frontend message; a pipelining connection reports later requests as
//    Lost until it closes.
//  - Memory: at most kMaxStatements named statements and portals, kMaxWaiting frontend messages waiting.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/db/framed_reader.h"
#include "protocols/db/in_order_exchanges.h"
#include "protocols/postgres/pg_exchange.h"
#include "protocols/protocol.h"

namespace cs::postgres {

inline constexpr size_t kMaxStatements = 256;
inline constexpr size_t kMaxWaiting = 4096;

class PgSession final : public ProtocolSession, private db::FramedReader::Owner {
 public:
  PgSession(Dir request_dir, ExchangeSink& sink);

  void on_segment(Dir dir, const Segment& seg) override;
  void on_close(uint64_t ts_ns, bool reset) override;
  const ProtocolStats& stats() const override { return stats_; }

  bool encrypted() const { return phase_ == Phase::Encrypted; }
  const std::string& database() const { return database_; }

 private:
  enum class Phase : uint8_t { Startup, Auth, Ready, Encrypted };
  enum class Sync : uint8_t { Synced, WaitRequest, WaitSegment, Desynced };

  // db::FramedReader::Owner (side true: frontend, false: backend)
  size_t header_size(bool frontend) const override;
  int64_t body_length(bool frontend, std::string_view header) const override;
  size_t keep_bytes(bool frontend, std::string_view header) const override;
  bool proves_start(bool frontend, std::string_view captured, uint64_t len) const override;
  void on_frame(bool frontend, const db::Frame& f) override;
  void on_broken(bool frontend, const db::FramingBreak& why) override;

  void on_frontend(const db::Frame& f);
  void on_backend(const db::Frame& f);
  void on_startup(const db::Frame& f);
  void add_request(const db::Frame& f, std::string&& text);
  void expect(char what);
  void loss();
  // The answers in progress were longer than the captured bytes: they end where the backend's bytes ended
  // (called when the next frontend message proves they were over, or at close).
  void finish_cut();
  // The oldest request's answer: starts with `f` if it has not started yet.
  void answer_started(const db::Frame& f);
  void complete_front(const db::Frame& f);
  // A backend message that does not fit the oldest waiting frontend message: the pairing is lost.
  void finish_fit(bool fits);

  const Dir request_dir_;
  ProtocolStats stats_;
  db::InOrderExchanges<PgExchange> pending_;
  db::FramedReader frontend_;
  db::FramedReader backend_;
  Phase phase_ = Phase::Startup;
  bool phase_known_ = false;    // decided from the first 8 frontend bytes
  // The first frontend segments, held until 8 bytes tell a startup packet from a normal message.
  struct Held {
    Segment seg;
    std::string bytes;
  };
  std::vector<Held> held_;
  size_t held_bytes_ = 0;
  void decide_phase(const Segment& seg);
  bool tls_answer_pending_ = false;  // SSLRequest / GSSENCRequest sent: the backend answers one byte
  Sync sync_ = Sync::WaitRequest;
  bool answer_cut_ = false;     // the backend's framing ran into uncaptured bytes (finish_cut)
  uint64_t cut_start_ = 0;
  SyscallMeta cut_first_;
  bool pipelining_ = false;     // a Sync or Query was sent while another waited for its ReadyForQuery
  size_t units_waiting_ = 0;    // Syncs / Queries / FunctionCalls waiting for ReadyForQuery
  bool in_unit_ = false;        // frontend messages since the last Sync / Query

  // Frontend messages waiting for their answer, oldest first: 'P' 'B' 'D' 'E' 'C' 'S' 'Q' 'F'.
  std::deque<char> waiting_;
  bool skipping_to_sync_ = false;  // an ErrorResponse in the extended protocol: skip to the Sync
  std::string skip_sqlstate_;
  std::string skip_message_;

  uint64_t unit_start_pos_ = 0;  // first frontend byte of the request being assembled (Parse/Bind/...)
  SyscallMeta unit_start_meta_;
  bool unit_open_ = false;

  std::string database_;
  std::unordered_map<std::string, std::string> statements_;  // name -> text ("" = unnamed)
  std::unordered_map<std::string, std::string> portals_;     // name -> text
};

}  // namespace cs::postgres
