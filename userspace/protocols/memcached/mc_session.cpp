#include "protocols/memcached/mc_session.h"

#include <array>

namespace cs::memcached {

namespace {

// Up to 8 space-separated tokens of a line.
struct Tokens {
  std::array<std::string_view, 8> t{};
  size_t n = 0;
  size_t total = 0;
  explicit Tokens(std::string_view line) {
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size()) break;
      size_t j = i;
      while (j < line.size() && line[j] != ' ') ++j;
      if (n < t.size()) t[n++] = line.substr(i, j - i);
      ++total;
      i = j;
    }
  }
  std::string_view last() const { return n ? t[n - 1] : std::string_view(); }
};

bool number(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool is_storage(std::string_view c) {
  return c == "set" || c == "add" || c == "replace" || c == "append" || c == "prepend" || c == "cas";
}
bool is_retrieval(std::string_view c) { return c == "get" || c == "gets" || c == "gat" || c == "gats"; }
bool is_meta(std::string_view c) {
  return c == "mg" || c == "ms" || c == "md" || c == "ma" || c == "mn" || c == "me";
}

// A meta command's quiet flag: a token "q" after the key (ms: after the data length).
bool quiet_meta(const Tokens& k) {
  for (size_t i = 2; i < k.n; ++i)
    if (k.t[i] == "q") return true;
  return false;
}

}  // namespace

bool is_command_line(std::string_view b) {
  const size_t nl = b.find("\r\n");
  if (nl == std::string_view::npos || nl == 0 || nl > kMaxLine) return false;
  const std::string_view line = b.substr(0, nl);
  for (char c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  const Tokens k(line);
  if (k.n == 0) return false;
  const std::string_view c = k.t[0];
  int64_t v;
  if (is_storage(c)) {
    const size_t need = c == "cas" ? 6 : 5;
    return k.total >= need && number(k.t[2], v) && number(k.t[3], v) && number(k.t[4], v);
  }
  if (is_retrieval(c)) return k.total >= 2;
  if (c == "ms") return k.total >= 3 && number(k.t[2], v);
  if (c == "mn") return k.total == 1;
  if (is_meta(c)) return k.total >= 2;
  if (c == "delete" || c == "incr" || c == "decr" || c == "touch") return k.total >= 2 && k.total <= 4;
  return c == "version" || c == "stats" || c == "flush_all" || c == "verbosity";
}

McSession::McSession(Dir request_dir, ExchangeSink& sink)
    : request_dir_(request_dir), pending_(request_dir, sink), commands_(true, *this, stats_), replies_(false, *this, stats_) {
  replies_.hold();
}

void McSession::on_segment(Dir dir, const Segment& seg) {
  if (dir == request_dir_) {
    commands_.feed(seg);
    return;
  }
  if (sync_ == ReplySync::WaitSegment) {
    replies_.restart_at_next_segment();
    sync_ = ReplySync::Synced;
  }
  replies_.feed(seg);
}

int64_t McSession::data_after(bool client, std::string_view line) {
  const Tokens k(line);
  if (k.n == 0) return -1;
  int64_t n;
  if (client) {
    if (is_storage(k.t[0]) && k.n >= 5 && number(k.t[4], n)) return n;
    if (k.t[0] == "ms" && k.n >= 3 && number(k.t[2], n)) return n;
    return -1;
  }
  if (k.t[0] == "VALUE" && k.n >= 4 && number(k.t[3], n)) return n;
  if (k.t[0] == "VA" && k.n >= 2 && number(k.t[1], n)) return n;
  return -1;
}

bool McSession::proves_start(bool client, std::string_view captured) const {
  return client && is_command_line(captured);
}

void McSession::on_unit(bool client, const Unit& u) {
  if (client) on_command(u);
  else on_reply(u);
}

void McSession::on_command(const Unit& u) {
  const Tokens k(u.line);
  if (k.n == 0) return;  // an empty line
  const std::string_view c = k.t[0];
  if (c == "quit") return;
  McExchange ex;
  ex.request.is_request = true;
  ex.request.start_pos = u.start_pos;
  ex.request.end_pos = u.end_pos;
  ex.request.first = u.first;
  ex.request.last = u.last;
  ex.request.uncaptured_bytes = u.uncaptured;
  ex.line.assign(u.line);
  ex.command.assign(c.substr(0, 32));
  if (is_retrieval(c)) ex.kind = McExchange::Kind::Retrieval;
  else if (c == "stats") ex.kind = McExchange::Kind::Stats;

  const bool noreply = !is_meta(c) && k.last() == "noreply";
  const bool quiet = is_meta(c) && quiet_meta(k);
  if (noreply) {
    if (!pending_.push_unanswered(std::move(ex))) loss();
    return;
  }
  if (quiet) quiet_batch_ = true;
  if (quiet_batch_) {
    if (c != "mn") {
      if (!pending_.push_unanswered(std::move(ex))) loss();
      return;
    }
    ex.swallow = true;
    quiet_batch_ = false;
  }
  switch (sync_) {
    case ReplySync::Desynced:
      pending_.push_lost(std::move(ex));
      return;
    case ReplySync::WaitCommand:
      sync_ = ReplySync::WaitSegment;
      break;
    default:
      break;
  }
  if (!pending_.push(std::move(ex))) loss();
}

void McSession::on_reply(const Unit& u) {
  if (pending_.empty()) {
    ++stats_.unmatched_responses;
    return;
  }
  McExchange& f = pending_.front();
  const Tokens k(u.line);
  const std::string_view w = k.n ? k.t[0] : std::string_view();
  if (f.swallow && w != "MN") return;  // answers a quiet command
  pending_.start_front(u.start_pos, u.first);
  f.response.uncaptured_bytes += u.uncaptured;
  const bool error = w == "ERROR" || w == "CLIENT_ERROR" || w == "SERVER_ERROR";
  if (!error) {
    if (f.kind == McExchange::Kind::Retrieval && w == "VALUE") {
      ++f.items;
      return;
    }
    if (f.kind == McExchange::Kind::Stats && w == "STAT") return;
  }
  f.status.assign(w.substr(0, 32));
  if (error) f.error_line.assign(u.line.substr(0, 200));
  pending_.finish_front(u.end_pos, u.last);
}

void McSession::on_broken(bool) { loss(); }

void McSession::loss() {
  pending_.end_all(Exchange::End::Lost, 0);
  replies_.hold();
  quiet_batch_ = false;
  if (sync_ == ReplySync::Desynced) return;
  sync_ = pending_.alternating() ? ReplySync::WaitCommand : ReplySync::Desynced;
}

void McSession::on_close(uint64_t ts_ns, bool reset) {
  pending_.end_all(reset ? Exchange::End::ConnectionReset : Exchange::End::ConnectionClosed, ts_ns);
}

}  // namespace cs::memcached
