#include "protocols/redis/redis_session.h"

#include <algorithm>

namespace cs::redis {

namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

void to_upper(std::string& s) { std::transform(s.begin(), s.end(), s.begin(), upper); }

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

// The confirmation kinds that (un)subscribe commands get, one per channel.
bool is_subscription_kind(std::string_view t) {
  return ieq(t, "subscribe") || ieq(t, "psubscribe") || ieq(t, "ssubscribe") || ieq(t, "unsubscribe") ||
         ieq(t, "punsubscribe") || ieq(t, "sunsubscribe");
}
bool is_message_kind(std::string_view t) { return ieq(t, "message") || ieq(t, "pmessage") || ieq(t, "smessage"); }

bool parse_index(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 9) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

RedisSession::RedisSession(Dir request_dir, ExchangeSink& sink)
    : request_dir_(request_dir), pending_(request_dir, sink), commands_(true, *this, stats_),
      replies_(false, *this, stats_) {
  replies_.hold();  // until the first command: a reply seen before it answers something unseen
}

void RedisSession::on_segment(Dir dir, const Segment& seg) {
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

void RedisSession::on_value(bool command_side, RespValue& v) {
  if (command_side) on_command(v);
  else on_reply(v);
}

void RedisSession::on_command(RespValue& v) {
  if (reply_cut_) finish_cut();
  if (v.args_kept == 0 || v.args[0].empty()) {
    ++stats_.parse_errors;  // "*0", or an array of something other than strings: no command
    return;
  }
  // Filled in place in the queue's next slot; the argument strings are swapped, not copied, so their
  // buffers go back and forth between the scanner and the queue (no allocation per command once warm).
  RedisExchange& ex = pending_.staged();
  ex.begin(v);
  ex.command.swap(v.args[0]);
  to_upper(ex.command);
  for (uint32_t i = 1; i < v.args_kept; ++i) ex.args[i - 1].swap(v.args[i]);
  ex.args_kept = v.args_kept - 1;
  ex.args_total = std::max<int64_t>(0, v.args_total - 1);
  ex.db_index = db_index_;
  ex.reply_type = 0;
  ex.error.clear();

  switch (sync_) {
    case ReplySync::Desynced:
      pending_.push_lost_staged();
      return;
    case ReplySync::WaitCommand:
      sync_ = ReplySync::WaitSegment;
      break;
    case ReplySync::WaitSegment:
    case ReplySync::Synced:
      break;
  }
  const uint64_t ts = ex.request.last.exit_ns;
  if (!pending_.push_staged()) loss(ts);  // the evicted command's reply would shift the pairing
}

void RedisSession::on_reply(RespValue& v) {
  const bool confirmation = (v.type == '*' || v.type == '>') && is_subscription_kind(v.text);
  const bool front_matches = confirmation && !pending_.empty() && ieq(pending_.front().command, v.text);
  if (confirmation && v.type == '*' && v.has_last_integer) {
    // RESP2: the subscription count after this confirmation says whether message arrays may follow.
    const bool was = subscribed_;
    subscribed_ = v.last_integer > 0;
    if (!front_matches && was) {
      ++pushes_;  // another channel of an earlier (un)subscribe
      return;
    }
  }
  if (!front_matches) {
    if (v.type == '>' || (subscribed_ && v.type == '*' && is_message_kind(v.text))) {
      ++pushes_;  // answers no command
      return;
    }
  }
  if (pending_.empty()) {
    ++stats_.unmatched_responses;
    return;
  }
  RedisExchange& f = pending_.front();
  pending_.start_front(v.start_pos, v.first);
  f.response.uncaptured_bytes = v.uncaptured_bytes;
  f.reply_type = v.type;
  if (v.type == '-' || v.type == '!') f.error.swap(v.text);
  if (f.command == "SELECT" && v.type == '+' && f.args_kept > 0) {
    int64_t idx;
    if (parse_index(f.args[0], idx)) db_index_ = idx;
  }
  pending_.finish_front(v.end_pos, v.last);
}

void RedisSession::on_broken(bool command_side, const db::FramingBreak& why) {
  if (!command_side && why.why == db::FramingBreak::Why::Uncaptured && pending_.alternating() && !pending_.empty() &&
      sync_ == ReplySync::Synced) {
    reply_cut_ = true;
    cut_start_ = why.start_pos;
    cut_first_ = why.first;
    replies_.hold();
    sync_ = ReplySync::WaitCommand;
    return;
  }
  loss(why.ts_ns);
}

void RedisSession::finish_cut() {
  reply_cut_ = false;
  if (pending_.empty()) return;
  RedisExchange& f = pending_.front();
  if (!f.has_response) pending_.start_front(cut_start_, cut_first_);
  f.response.truncated = true;
  pending_.finish_front(replies_.next_pos(), replies_.last_meta());
}

void RedisSession::loss(uint64_t) {
  reply_cut_ = false;
  pending_.end_all(Exchange::End::Lost, 0);
  replies_.hold();
  if (sync_ == ReplySync::Desynced) return;
  sync_ = pending_.alternating() ? ReplySync::WaitCommand : ReplySync::Desynced;
}

void RedisSession::on_close(uint64_t ts_ns, bool reset) {
  if (reply_cut_) finish_cut();
  pending_.end_all(reset ? Exchange::End::ConnectionReset : Exchange::End::ConnectionClosed, ts_ns);
}

}  // namespace cs::redis
