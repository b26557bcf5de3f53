#include "protocols/mysql/mysql_session.h"

#include <algorithm>

#include "protocols/db/sql_text.h"
#include "protocols/mysql/mysql_wire.h"

namespace cs::mysql {

namespace {

std::string_view cstring(std::string_view b, size_t& at) {
  if (at >= b.size()) return {};
  const size_t nul = b.find('\0', at);
  const size_t end = nul == std::string_view::npos ? b.size() : nul;
  const std::string_view s = b.substr(at, end - at);
  at = nul == std::string_view::npos ? b.size() : nul + 1;
  return s;
}

bool is_eof_packet(const db::Frame& f) {
  return !f.body.empty() && static_cast<uint8_t>(f.body[0]) == 0xfe && f.body_len < 9;
}
// An EOF, or an OK ending rows (CLIENT_DEPRECATE_EOF): 0xfe and shorter than a maximal packet.
bool is_rows_terminator(const db::Frame& f) {
  return !f.body.empty() && static_cast<uint8_t>(f.body[0]) == 0xfe && f.body_len < kMaxPacket;
}

// Status flags of an OK (0x00 / 0xfe with OK layout) or EOF packet.
uint16_t status_of(const db::Frame& f) {
  const std::string_view b = f.body;
  if (is_eof_packet(f)) return b.size() >= 5 ? static_cast<uint16_t>(le16(b.data() + 3)) : 0;
  size_t at = 1;
  uint64_t v;
  if (!lenenc(b, at, v) || !lenenc(b, at, v) || b.size() < at + 2) return 0;
  return static_cast<uint16_t>(le16(b.data() + at));
}

// "USE db" / "use `db`": the database it switches to; empty if the statement is not a USE.
std::string use_target(std::string_view q) {
  size_t i = 0;
  while (i < q.size() && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r')) ++i;
  if (q.size() - i < 4) return {};
  const std::string_view w = q.substr(i, 3);
  if (!((w[0] == 'u' || w[0] == 'U') && (w[1] == 's' || w[1] == 'S') && (w[2] == 'e' || w[2] == 'E'))) return {};
  i += 3;
  if (q[i] != ' ' && q[i] != '\t') return {};
  while (i < q.size() && (q[i] == ' ' || q[i] == '\t')) ++i;
  std::string out;
  for (; i < q.size() && q[i] != ';' && q[i] != ' ' && q[i] != '\r' && q[i] != '\n'; ++i)
    if (q[i] != '`') out.push_back(q[i]);
  return out;
}

}  // namespace

MysqlSession::MysqlSession(Dir request_dir, ExchangeSink& sink)
    : request_dir_(request_dir), pending_(request_dir, sink), client_(true, *this, stats_), server_(false, *this, stats_) {}

int64_t MysqlSession::body_length(bool, std::string_view h) const { return le24(h.data()); }

size_t MysqlSession::keep_bytes(bool client, std::string_view) const {
  if (client) return db::kMaxKeptBody;
  if (resp_ == Resp::Rows || resp_ == Resp::Columns || resp_ == Resp::PrepParams || resp_ == Resp::PrepColumns)
    return 16;  // only the first byte tells a row from the end
  return 512;
}

bool MysqlSession::proves_start(bool client, std::string_view captured, uint64_t len) const {
  return client && phase_ != Phase::Unreadable && captured.size() == len && is_command_packet(captured);
}

void MysqlSession::on_segment(Dir dir, const Segment& seg) {
  if (phase_ == Phase::Unreadable) return;
  const bool client = dir == request_dir_;
  if (first_segment_) {
    first_segment_ = false;
    const std::string_view c = seg.captured;
    if (!client && (c.size() < 5 || (c[3] == 0 && c[4] == 0x0a))) {
      // Detection trusts no other server bytes than a greeting: a new connection, read from its first
      // byte.
      phase_ = Phase::Greeting;
      sync_ = Sync::Synced;
    } else {
      server_.hold();  // joined mid-stream: responses are read from after the next command
    }
  }
  if (client) {
    client_.feed(seg);
    return;
  }
  if (sync_ == Sync::WaitSegment) {
    server_.restart_at_next_segment();
    sync_ = Sync::Synced;
  }
  server_.feed(seg);
}

void MysqlSession::on_frame(bool client, const db::Frame& f) {
  if (client) on_client(f);
  else on_server(f);
}

void MysqlSession::on_client(const db::Frame& f) {
  const uint8_t seq = static_cast<uint8_t>(f.header[3]);
  if (phase_ == Phase::Greeting || phase_ == Phase::Auth) {
    if (seq != static_cast<uint8_t>(seq_ + 1)) {
      ++stats_.parse_errors;
      loss();
      return;
    }
    seq_ = seq;
    if (!handshake_response_seen_) {
      handshake_response_seen_ = true;
      on_handshake_response(f.body);
    }
    return;
  }
  if (seq == 0) {
    on_command(f);
    return;
  }
  // A long command's continuation, LOCAL INFILE data, an authentication answer of COM_CHANGE_USER.
  if (pending_.empty() || seq != static_cast<uint8_t>(seq_ + 1)) return;
  seq_ = seq;
}

void MysqlSession::on_command(const db::Frame& f) {
  if (answer_cut_) finish_cut();
  if (!pending_.empty()) {
    // A command while the last response is incomplete: the pairing was lost somewhere.
    ++stats_.parse_errors;
    loss();
  }
  if (sync_ == Sync::WaitRequest) sync_ = Sync::WaitSegment;
  seq_ = 0;
  server_continues_ = false;
  if (f.body.empty()) return;
  const uint8_t cmd = static_cast<uint8_t>(f.body[0]);
  std::string_view rest = f.body.substr(1);
  switch (cmd) {
    case kQuit:
    case kStmtSendLongData:
      return;
    case kStmtClose:
      if (rest.size() >= 4) statements_.erase(le32(rest.data()));
      return;
    default:
      break;
  }
  MysqlExchange ex;
  ex.command = cmd;
  ex.database = database_;
  ex.mariadb = mariadb_;
  if (cmd == kQuery && query_attributes_) {
    // parameter_count, parameter_set_count before the text; only attribute-less queries are read.
    size_t at = 0;
    uint64_t count = 0, sets = 0;
    if (lenenc(rest, at, count) && lenenc(rest, at, sets) && count == 0) rest.remove_prefix(at);
  }
  if (cmd == kQuery || cmd == kStmtPrepare) ex.query.assign(rest);
  if (cmd == kStmtExecute && rest.size() >= 4) {
    auto it = statements_.find(le32(rest.data()));
    if (it != statements_.end()) ex.query = it->second;
  }
  next_database_.clear();
  if (cmd == kInitDb) next_database_.assign(rest);
  if (cmd == kQuery) next_database_ = use_target(rest);
  ex.request.is_request = true;
  ex.request.start_pos = f.start_pos;
  ex.request.end_pos = f.end_pos;
  ex.request.first = f.first;
  ex.request.last = f.last;
  ex.request.uncaptured_bytes = f.uncaptured;
  const std::string_view tp = db::traceparent_in_sql(ex.query);
  if (!tp.empty()) ex.request.traceparent.assign(tp);
  resp_ = Resp::First;
  pending_.push(std::move(ex));
}

void MysqlSession::on_greeting(std::string_view b) {
  if (b.empty() || b[0] != 0x0a) {
    ++stats_.parse_errors;
    return;
  }
  size_t at = 1;
  const std::string_view version = cstring(b, at);
  mariadb_ = version.find("MariaDB") != std::string_view::npos;
  at += 4 + 8 + 1;  // connection id, auth data part 1, filler
  if (b.size() >= at + 2) server_caps_ = le16(b.data() + at);
  at += 2 + 1 + 2;  // capabilities (low), character set, status
  if (b.size() >= at + 2) server_caps_ |= le16(b.data() + at) << 16;
}

void MysqlSession::on_handshake_response(std::string_view b) {
  if (b.size() < 4) return;
  client_caps_ = le32(b.data());
  if (!(client_caps_ & kCapProtocol41)) return;  // pre-4.1 handshake: nothing more is read
  if ((client_caps_ & kCapSsl) && b.size() <= 32) {
    stop_reading();  // an SSL request: TLS from here on
    return;
  }
  const uint32_t both = client_caps_ & server_caps_;
  if (both & kCapCompress) {
    stop_reading();
    return;
  }
  deprecate_eof_ = (both & kCapDeprecateEof) != 0;
  query_attributes_ = (both & kCapQueryAttributes) != 0;
  size_t at = 32;
  cstring(b, at);  // user
  uint64_t auth_len = 0;
  if (client_caps_ & kCapPluginAuthLenencData) {
    if (!lenenc(b, at, auth_len)) return;
  } else if (client_caps_ & kCapSecureConnection) {
    if (at >= b.size()) return;
    auth_len = static_cast<uint8_t>(b[at++]);
  } else {
    cstring(b, at);
  }
  at += auth_len;
  if ((client_caps_ & kCapConnectWithDb) && at < b.size()) database_.assign(cstring(b, at));
}

void MysqlSession::stop_reading() {
  phase_ = Phase::Unreadable;
  client_.stop();
  server_.stop();
}

void MysqlSession::on_server(const db::Frame& f) {
  const uint8_t seq = static_cast<uint8_t>(f.header[3]);
  if (phase_ == Phase::Greeting) {
    seq_ = seq;
    on_greeting(f.body);
    phase_ = Phase::Auth;
    return;
  }
  if (phase_ == Phase::Auth) {
    seq_ = seq;
    const uint8_t b0 = f.body.empty() ? 0 : static_cast<uint8_t>(f.body[0]);
    if (b0 == 0x00 || b0 == 0xff) phase_ = Phase::Command;  // authenticated (or refused: the connection ends)
    return;
  }
  if (pending_.empty()) {
    ++stats_.unmatched_responses;
    return;
  }
  if (seq != static_cast<uint8_t>(seq_ + 1)) {
    ++stats_.parse_errors;
    loss();
    return;
  }
  seq_ = seq;
  if (server_continues_) {
    server_continues_ = f.body_len == kMaxPacket;
    return;
  }
  server_continues_ = f.body_len == kMaxPacket;
  on_response(f);
}

void MysqlSession::on_response(const db::Frame& f) {
  MysqlExchange& ex = pending_.front();
  if (!ex.has_response) pending_.start_front(f.start_pos, f.first);
  const uint8_t b0 = f.body.empty() ? 0 : static_cast<uint8_t>(f.body[0]);
  switch (resp_) {
    case Resp::None:
      ++stats_.unmatched_responses;
      return;
    case Resp::First:
    case Resp::Infile:
      if (b0 == 0xff) return on_err(f);
      if (ex.command == kChangeUser) {
        if (b0 == 0x00) complete(f);  // else an authentication switch / more data: wait
        return;
      }
      if (ex.command == kStatistics) return complete(f);  // a bare string
      if (b0 == 0x00 && ex.command == kStmtPrepare) {
        if (f.body.size() < 9) return complete(f);
        preparing_id_ = le32(f.body.data() + 1);
        columns_left_ = le16(f.body.data() + 5);
        params_left_ = le16(f.body.data() + 7);
        if (statements_.size() < kMaxStatements || statements_.count(preparing_id_))
          statements_[preparing_id_] = ex.query;
        if (params_left_ > 0) resp_ = Resp::PrepParams;
        else if (columns_left_ > 0) resp_ = Resp::PrepColumns;
        else complete(f);
        return;
      }
      if (b0 == 0x00 || (b0 == 0xfe && resp_ == Resp::Infile)) return end_of_result(f, status_of(f));
      if (b0 == 0xfb && resp_ == Resp::First) {  // LOCAL INFILE: the client sends the file, then an OK
        resp_ = Resp::Infile;
        return;
      }
      if (b0 == 0xfe) return complete(f);  // an EOF where a result was due (COM_FIELD_LIST, old servers)
      if (ex.command == kFieldList) {      // column definitions until an EOF
        resp_ = Resp::Rows;
        return;
      }
      {
        size_t at = 0;
        uint64_t n = 0;
        if (!lenenc(f.body, at, n) || n == 0) {
          ++stats_.parse_errors;
          loss();
          return;
        }
        ex.result_set = true;
        columns_left_ = n;
        resp_ = Resp::Columns;
        // MariaDB's cached metadata: one more byte after the count, 0 when the definitions are not sent.
        if (f.body_len == at + 1 && f.body.size() > at && f.body[at] == 0) resp_ = Resp::AfterColumns;
      }
      return;
    case Resp::Columns:
      if (--columns_left_ == 0) resp_ = Resp::AfterColumns;
      return;
    case Resp::AfterColumns:
      if (is_eof_packet(f) && f.body_len == 5 && !deprecate_eof_) {  // the EOF after the definitions
        resp_ = Resp::Rows;
        return;
      }
      [[fallthrough]];
    case Resp::Rows:
      if (b0 == 0xff) return on_err(f);
      if (is_rows_terminator(f)) return end_of_result(f, status_of(f));
      if (ex.command != kFieldList) ++ex.rows;
      resp_ = Resp::Rows;
      return;
    case Resp::PrepParams:
      if (--params_left_ == 0) {
        if (!deprecate_eof_) resp_ = Resp::PrepParamsEof;
        else if (columns_left_ > 0) resp_ = Resp::PrepColumns;
        else complete(f);
      }
      return;
    case Resp::PrepParamsEof:
      if (columns_left_ > 0) resp_ = Resp::PrepColumns;
      else complete(f);
      return;
    case Resp::PrepColumns:
      if (--columns_left_ == 0) {
        if (!deprecate_eof_) resp_ = Resp::PrepColumnsEof;
        else complete(f);
      }
      return;
    case Resp::PrepColumnsEof:
      complete(f);
      return;
  }
}

void MysqlSession::end_of_result(const db::Frame& f, uint16_t status) {
  if (status & kStatusMoreResults) {
    resp_ = Resp::First;  // another result of the same command follows
    return;
  }
  MysqlExchange& ex = pending_.front();
  if (ex.error_code == 0 && (ex.command == kInitDb || ex.command == kQuery) && !next_database_.empty())
    database_ = next_database_;
  complete(f);
}

void MysqlSession::on_err(const db::Frame& f) {
  MysqlExchange& ex = pending_.front();
  const std::string_view b = f.body;
  if (b.size() >= 3) ex.error_code = static_cast<uint16_t>(le16(b.data() + 1));
  if (ex.error_code == 0) ex.error_code = 0xffff;  // cut by the capture: still an error
  size_t at = 3;
  if (b.size() >= 9 && b[3] == '#') {
    ex.sqlstate.assign(b.substr(4, 5));
    at = 9;
  }
  if (at < b.size()) ex.error_message.assign(b.substr(at, 200));
  complete(f);
}

void MysqlSession::complete(const db::Frame& f) {
  resp_ = Resp::None;
  pending_.finish_front(f.end_pos, f.last);
}

void MysqlSession::on_broken(bool client, const db::FramingBreak& why) {
  if (!client && why.why == db::FramingBreak::Why::Uncaptured && !pending_.empty() && phase_ == Phase::Command) {
    answer_cut_ = true;
    cut_start_ = why.start_pos;
    cut_first_ = why.first;
    server_.hold();
    sync_ = Sync::WaitRequest;
    return;
  }
  loss();
}

void MysqlSession::finish_cut() {
  answer_cut_ = false;
  resp_ = Resp::None;
  server_continues_ = false;
  if (pending_.empty()) return;
  MysqlExchange& f = pending_.front();
  if (!f.has_response) pending_.start_front(cut_start_, cut_first_);
  f.response.truncated = true;
  pending_.finish_front(server_.next_pos(), server_.last_meta());
}

void MysqlSession::loss() {
  answer_cut_ = false;
  pending_.end_all(Exchange::End::Lost, 0);
  resp_ = Resp::None;
  server_continues_ = false;
  if (phase_ == Phase::Unreadable) return;
  phase_ = Phase::Command;
  handshake_response_seen_ = true;
  server_.hold();
  sync_ = Sync::WaitRequest;
}

void MysqlSession::on_close(uint64_t ts_ns, bool reset) {
  if (answer_cut_) finish_cut();
  pending_.end_all(reset ? Exchange::End::ConnectionReset : Exchange::End::ConnectionClosed, ts_ns);
  resp_ = Resp::None;
}

}  // namespace cs::mysql
