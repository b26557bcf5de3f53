#include "protocols/postgres/pg_session.h"

#include "protocols/db/sql_text.h"
#include "protocols/postgres/pg_wire.h"

namespace cs::postgres {

namespace {

constexpr size_t kKeptError = 1024;
constexpr size_t kKeptName = 256;

// "SELECT 3" / "FETCH 3" / "MOVE 3": rows returned. Other tags count affected rows or nothing.
int64_t returned_rows(std::string_view tag) {
  const size_t sp = tag.rfind(' ');
  if (sp == std::string_view::npos) return -1;
  const std::string_view word = tag.substr(0, tag.find(' '));
  if (word != "SELECT" && word != "FETCH" && word != "MOVE") return -1;
  int64_t v = 0;
  const std::string_view num = tag.substr(sp + 1);
  if (num.empty() || num.size() > 18) return -1;
  for (char c : num) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// ErrorResponse fields: C (SQLSTATE) and M (message).
void error_fields(std::string_view body, std::string& sqlstate, std::string& message) {
  size_t at = 0;
  while (at < body.size() && body[at] != '\0') {
    const char field = body[at++];
    const std::string_view v = cstring(body, at);
    if (field == 'C') sqlstate.assign(v.substr(0, 5));
    else if (field == 'M') message.assign(v.substr(0, 200));
  }
  if (sqlstate.empty()) sqlstate = "XX000";  // an error without a code (cut by the capture)
}

template <class Map>
void remember(Map& m, std::string_view key, std::string&& value) {
  auto it = m.find(std::string(key));
  if (it != m.end()) {
    it->second = std::move(value);
    return;
  }
  if (m.size() >= kMaxStatements) {
    // Unnamed entries are replaced all the time; named ones beyond the bound are forgotten (their
    // Executes carry no text).
    if (!key.empty()) return;
  }
  m.emplace(std::string(key), std::move(value));
}

}  // namespace

PgSession::PgSession(Dir request_dir, ExchangeSink& sink)
    : request_dir_(request_dir), pending_(request_dir, sink), frontend_(true, *this, stats_),
      backend_(false, *this, stats_) {
  backend_.hold();  // until the first frontend message: earlier backend bytes answer something unseen
}

size_t PgSession::header_size(bool frontend) const {
  if (frontend && phase_ == Phase::Startup) return 4;
  if (!frontend && tls_answer_pending_) return 1;
  return 5;
}

int64_t PgSession::body_length(bool frontend, std::string_view h) const {
  if (h.size() == 4) {
    const uint32_t len = be32(h.data());
    if (len < 8 || len > kMaxStartupLength) return -1;
    return len - 4;
  }
  if (h.size() == 1) return (h[0] == 'N' || h[0] == 'S' || h[0] == 'G') ? 0 : -1;
  const char t = h[0];
  if (frontend ? !is_frontend_type(t) : !is_backend_type(t)) return -1;
  const uint32_t len = be32(h.data() + 1);
  if (len < 4 || len > kMaxMessageLength) return -1;
  return len - 4;
}

size_t PgSession::keep_bytes(bool frontend, std::string_view h) const {
  if (h.size() == 4) return 2048;
  if (h.size() == 1) return 0;
  const char t = h[0];
  if (frontend) {
    if (t == 'Q' || t == 'P') return db::kMaxKeptBody;
    if (t == 'B' || t == 'E' || t == 'C' || t == 'D') return 2 * kKeptName;
    return 0;
  }
  if (t == 'C') return 64;
  if (t == 'E') return kKeptError;
  return 0;
}

bool PgSession::proves_start(bool frontend, std::string_view captured, uint64_t len) const {
  return frontend && phase_ != Phase::Encrypted && captured.size() == len && is_frontend_run(captured);
}

void PgSession::on_segment(Dir dir, const Segment& seg) {
  if (phase_ == Phase::Encrypted) return;
  if (dir == request_dir_) {
    if (!phase_known_) {
      decide_phase(seg);
      return;
    }
    frontend_.feed(seg);
    return;
  }
  if (sync_ == Sync::WaitSegment) {
    backend_.restart_at_next_segment();
    sync_ = Sync::Synced;
  }
  backend_.feed(seg);
}

void PgSession::decide_phase(const Segment& seg) {
  // A startup packet is told by its first 8 bytes (length, code); hold smaller first segments.
  const bool whole = seg.captured.size() == seg.len;
  if (held_.empty() && (seg.captured.size() >= 8 || !whole)) {
    phase_known_ = true;
    phase_ = is_startup_header(seg.captured) ? Phase::Startup : Phase::Ready;
    frontend_.feed(seg);
    return;
  }
  held_.push_back(Held{seg, std::string(seg.captured)});
  held_bytes_ += seg.captured.size();
  if (held_bytes_ < 8 && whole && held_.size() < 8) return;
  std::string first;
  for (const Held& h : held_) first += h.bytes;
  phase_known_ = true;
  phase_ = is_startup_header(first) ? Phase::Startup : Phase::Ready;
  std::vector<Held> held = std::move(held_);
  held_.clear();
  for (Held& h : held) {
    h.seg.captured = h.bytes;
    frontend_.feed(h.seg);
  }
}

void PgSession::on_frame(bool frontend, const db::Frame& f) {
  if (frontend) on_frontend(f);
  else on_backend(f);
}

void PgSession::on_startup(const db::Frame& f) {
  if (f.body.size() < 4) {
    ++stats_.parse_errors;
    return;
  }
  const uint32_t code = be32(f.body.data());
  if (code == kSslRequest || code == kGssEncRequest) {
    tls_answer_pending_ = true;
    return;
  }
  if (code == kCancelRequest) return;
  if (code != kProtocol30) {
    ++stats_.parse_errors;
    phase_ = Phase::Ready;
    return;
  }
  std::string_view user, database;
  size_t at = 4;
  while (at < f.body.size() && f.body[at] != '\0') {
    const std::string_view key = cstring(f.body, at);
    const std::string_view value = cstring(f.body, at);
    if (key == "user") user = value;
    else if (key == "database") database = value;
  }
  database_.assign(database.empty() ? user : database);
  phase_ = Phase::Auth;
}

void PgSession::on_frontend(const db::Frame& f) {
  if (answer_cut_) finish_cut();
  if (sync_ == Sync::WaitRequest) sync_ = Sync::WaitSegment;  // the backend restarts at its next segment
  if (f.header.size() == 4) {
    on_startup(f);
    return;
  }
  const char t = f.header[0];
  const bool unit_message = t == 'Q' || t == 'P' || t == 'B' || t == 'D' || t == 'E' || t == 'C' || t == 'S' || t == 'F';
  if (!unit_message) return;  // Flush, Terminate, password / SASL messages, COPY data
  if (!in_unit_) {
    in_unit_ = true;
    if (units_waiting_ > 0) pipelining_ = true;
  }
  if (!unit_open_) {
    unit_open_ = true;
    unit_start_pos_ = f.start_pos;
    unit_start_meta_ = f.first;
  }
  size_t at = 0;
  switch (t) {
    case 'Q': {
      std::string text(cstring(f.body, at));
      expect('Q');
      add_request(f, std::move(text));
      ++units_waiting_;
      in_unit_ = false;
      break;
    }
    case 'P': {
      const std::string_view name = cstring(f.body, at);
      remember(statements_, name.substr(0, kKeptName), std::string(cstring(f.body, at)));
      expect('P');
      break;
    }
    case 'B': {
      const std::string_view portal = cstring(f.body, at);
      const std::string_view stmt = cstring(f.body, at);
      auto it = statements_.find(std::string(stmt));
      remember(portals_, portal.substr(0, kKeptName), it == statements_.end() ? std::string() : it->second);
      expect('B');
      break;
    }
    case 'D':
      expect('D');
      break;
    case 'E': {
      const std::string_view portal = cstring(f.body, at);
      auto it = portals_.find(std::string(portal));
      expect('E');
      add_request(f, it == portals_.end() ? std::string() : it->second);
      break;
    }
    case 'C': {
      if (!f.body.empty()) {
        at = 1;
        const std::string name(cstring(f.body, at));
        if (f.body[0] == 'S') statements_.erase(name);
        else portals_.erase(name);
      }
      expect('C');
      break;
    }
    case 'S':
    case 'F':
      expect(t);
      ++units_waiting_;
      in_unit_ = false;
      unit_open_ = false;
      break;
  }
}

void PgSession::add_request(const db::Frame& f, std::string&& text) {
  PgExchange ex;
  ex.request.is_request = true;
  ex.request.start_pos = unit_open_ ? unit_start_pos_ : f.start_pos;
  ex.request.first = unit_open_ ? unit_start_meta_ : f.first;
  ex.request.end_pos = f.end_pos;
  ex.request.last = f.last;
  ex.request.uncaptured_bytes = f.uncaptured;
  ex.request.truncated = !f.body_complete() && f.body.size() < db::kMaxKeptBody;
  const std::string_view tp = db::traceparent_in_sql(text);
  if (!tp.empty()) ex.request.traceparent.assign(tp);
  ex.query = std::move(text);
  ex.database = database_;
  unit_open_ = false;
  if (sync_ == Sync::Desynced) {
    pending_.push_lost(std::move(ex));
    return;
  }
  if (!pending_.push(std::move(ex))) loss();
}

void PgSession::expect(char what) {
  if (sync_ == Sync::Desynced) return;
  if (waiting_.size() >= kMaxWaiting) {
    loss();
    return;
  }
  waiting_.push_back(what);
}

void PgSession::answer_started(const db::Frame& f) {
  if (pending_.empty() || pending_.front().has_response) return;
  pending_.start_front(f.start_pos, f.first);
}

void PgSession::complete_front(const db::Frame& f) {
  if (pending_.empty()) {
    ++stats_.unmatched_responses;
    return;
  }
  answer_started(f);
  pending_.finish_front(f.end_pos, f.last);
}

void PgSession::on_backend(const db::Frame& f) {
  if (f.header.size() == 1) {
    tls_answer_pending_ = false;
    if (f.header[0] != 'N') {  // TLS or GSS encryption from here on: nothing more can be read
      phase_ = Phase::Encrypted;
      frontend_.stop();
      backend_.stop();
    }
    return;
  }
  const char t = f.header[0];
  if (t == 'K' || t == 'S' || t == 'N' || t == 'A' || t == 'v') return;  // asynchronous / startup
  if (t == 'R') {
    if (phase_ == Phase::Startup) phase_ = Phase::Auth;
    return;
  }
  if (phase_ != Phase::Ready && waiting_.empty()) {
    if (t == 'Z') phase_ = Phase::Ready;  // end of startup
    return;                               // e.g. an authentication failure
  }
  if (waiting_.empty()) {
    if (t == 'E') return;  // FATAL errors (shutdown, idle timeout) answer nothing
    ++stats_.unmatched_responses;
    ++stats_.parse_errors;
    loss();
    return;
  }
  const char w = waiting_.front();
  bool fits = true;
  switch (t) {
    case 'Z':
      phase_ = Phase::Ready;
      while (!waiting_.empty()) {
        const char c = waiting_.front();
        waiting_.pop_front();
        if (c == 'E') {  // skipped after an error earlier in its Sync
          if (!pending_.empty()) {
            PgExchange& e = pending_.front();
            e.sqlstate = skip_sqlstate_;
            e.error_message = skip_message_;
          }
          complete_front(f);
          continue;
        }
        if (c == 'Q') {
          complete_front(f);
          if (units_waiting_ > 0) --units_waiting_;
          break;
        }
        if (c == 'S' || c == 'F') {
          if (units_waiting_ > 0) --units_waiting_;
          break;
        }
      }
      skipping_to_sync_ = false;
      break;
    case 'E': {
      std::string sqlstate, message;
      error_fields(f.body, sqlstate, message);
      if (w == 'Q') {
        answer_started(f);
        if (!pending_.empty()) {
          pending_.front().sqlstate = std::move(sqlstate);
          pending_.front().error_message = std::move(message);
        }
      } else if (w == 'E') {
        waiting_.pop_front();
        if (!pending_.empty()) {
          pending_.front().sqlstate = sqlstate;
          pending_.front().error_message = message;
        }
        complete_front(f);
        skipping_to_sync_ = true;
        skip_sqlstate_ = std::move(sqlstate);
        skip_message_ = std::move(message);
      } else if (w == 'S' || w == 'F') {
        // an error at the Sync itself (e.g. COMMIT failing): the Sync still gets its ReadyForQuery
      } else {
        waiting_.pop_front();
        answer_started(f);
        skipping_to_sync_ = true;
        skip_sqlstate_ = std::move(sqlstate);
        skip_message_ = std::move(message);
      }
      break;
    }
    case '1':
      fits = w == 'P';
      break;
    case '2':
      fits = w == 'B';
      break;
    case '3':
      fits = w == 'C';
      break;
    case 't':
      fits = w == 'D';
      if (fits) return;  // the RowDescription / NoData after it ends the Describe
      break;
    case 'T':
      fits = w == 'D' || w == 'Q';
      if (w == 'Q') {
        answer_started(f);
        return;
      }
      break;
    case 'n':
      fits = w == 'D';
      break;
    case 'D':
      fits = w == 'E' || w == 'Q';
      if (fits) {
        answer_started(f);
        if (!pending_.empty()) ++pending_.front().data_rows;
      }
      return finish_fit(fits);
    case 'C':
    case 'I':
    case 's':
      fits = w == 'E' || w == 'Q';
      if (fits) {
        answer_started(f);
        if (t == 'C' && !pending_.empty()) {
          size_t at = 0;
          const int64_t r = returned_rows(cstring(f.body, at));
          if (r >= 0) pending_.front().rows = r;
        }
        if (w == 'E') {
          waiting_.pop_front();
          complete_front(f);
        }
      }
      return finish_fit(fits);
    case 'G':
    case 'H':
    case 'W':
    case 'd':
    case 'c':
      fits = w == 'E' || w == 'Q';
      if (fits) answer_started(f);
      return finish_fit(fits);
    case 'V':
      fits = w == 'F';
      return finish_fit(fits);
    default:
      fits = false;
      break;
  }
  if (!fits) return finish_fit(false);
  if (t == '1' || t == '2' || t == '3' || t == 'T' || t == 'n') {
    waiting_.pop_front();
    answer_started(f);
  }
}

void PgSession::finish_fit(bool fits) {
  if (fits) return;
  ++stats_.unmatched_responses;
  ++stats_.parse_errors;
  loss();
}

void PgSession::on_broken(bool frontend, const db::FramingBreak& why) {
  if (!frontend && why.why == db::FramingBreak::Why::Uncaptured && !pipelining_ && !pending_.empty()) {
    answer_cut_ = true;
    cut_start_ = why.start_pos;
    cut_first_ = why.first;
    backend_.hold();
    if (sync_ != Sync::Desynced) sync_ = Sync::WaitRequest;
    return;
  }
  loss();
}

void PgSession::finish_cut() {
  answer_cut_ = false;
  const uint64_t end = backend_.next_pos();
  const SyscallMeta last = backend_.last_meta();
  while (!pending_.empty()) {
    PgExchange& f = pending_.front();
    if (!f.has_response) pending_.start_front(cut_start_, cut_first_);
    f.response.truncated = true;
    pending_.finish_front(end, last);
  }
  waiting_.clear();
  skipping_to_sync_ = false;
  units_waiting_ = 0;
}

void PgSession::loss() {
  answer_cut_ = false;
  pending_.end_all(Exchange::End::Lost, 0);
  waiting_.clear();
  skipping_to_sync_ = false;
  units_waiting_ = 0;
  in_unit_ = false;
  unit_open_ = false;
  tls_answer_pending_ = false;
  if (phase_ == Phase::Encrypted) return;
  phase_ = Phase::Ready;
  phase_known_ = true;
  backend_.hold();
  if (sync_ == Sync::Desynced) return;
  sync_ = pipelining_ ? Sync::Desynced : Sync::WaitRequest;
}

void PgSession::on_close(uint64_t ts_ns, bool reset) {
  if (answer_cut_) finish_cut();
  pending_.end_all(reset ? Exchange::End::ConnectionReset : Exchange::End::ConnectionClosed, ts_ns);
  waiting_.clear();
}

}  // namespace cs::postgres
