#include "protocols/redis/resp_scanner.h"

#include <algorithm>
#include <cstring>

namespace cs::redis {

namespace {

constexpr size_t kKeptLine = 1024;            // bytes of a line kept (lengths, errors, inline commands)
constexpr int64_t kMaxBulk = 512ll << 20;     // redis-server's proto-max-bulk-len default
constexpr int64_t kMaxAggregate = 1ll << 31;

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
    if (s.size() == 1) return false;
  }
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = neg ? -v : v;
  return true;
}

bool is_type(char c) { return std::strchr("+-:$*_,#(!=%~>|", c) != nullptr && c != 0; }

void keep(std::string& dst, std::string_view src) {
  if (dst.size() >= kKeptArgBytes) return;
  dst.append(src.substr(0, kKeptArgBytes - dst.size()));
}

}  // namespace

RespScanner::RespScanner(bool command_side, Events& events, ProtocolStats& stats)
    : command_side_(command_side), events_(events), stats_(stats) {
  stack_.reserve(4);
}

bool RespScanner::looks_like_command_start(std::string_view cap) const {
  if (cap.size() < 4 || cap[0] != '*') return false;
  size_t i = 1;
  while (i < cap.size() && i < 7 && cap[i] >= '0' && cap[i] <= '9') ++i;
  if (i == 1 || i + 1 >= cap.size() || cap[i] != '\r' || cap[i + 1] != '\n') return false;
  return i + 2 >= cap.size() || cap[i + 2] == '$';
}

void RespScanner::feed(const Segment& seg) {
  uint64_t pos = seg.pos;
  uint64_t len = seg.len;
  std::string_view cap = seg.captured.substr(0, std::min<uint64_t>(seg.captured.size(), len));
  if (!started_) {
    started_ = true;
    next_pos_ = pos;
    last_meta_ = seg.meta;
  }
  if (pos < next_pos_) {  // overlaps what was already seen
    const uint64_t skip = next_pos_ - pos;
    if (skip >= len) return;
    pos += skip;
    len -= skip;
    cap.remove_prefix(std::min<uint64_t>(skip, cap.size()));
  }
  meta_ = seg.meta;
  seg_pos_ = pos;
  if (pos > next_pos_) {
    ++stats_.gaps;
    const uint64_t gap = pos - next_pos_;
    if (state_ == State::Bulk && gap < bulk_left_) {
      bulk_left_ -= gap;  // lost bytes inside a bulk string: the framing holds
      v_.uncaptured_bytes += gap;
    } else if (state_ != State::Broken) {
      break_framing(db::FramingBreak::Why::Lost, next_pos_);
    }
  }
  if (state_ == State::Broken) {
    const bool restart = restart_armed_ || (command_side_ && looks_like_command_start(cap));
    if (!restart) {
      next_pos_ = pos + len;
      last_meta_ = seg.meta;
      return;
    }
    restart_armed_ = false;
    state_ = State::Idle;
  }
  size_t off = 0;
  while (off < cap.size() && state_ != State::Broken) off = step(cap, off);
  if (len > cap.size() && state_ != State::Broken) {
    const uint64_t n = len - cap.size();
    if (state_ == State::Bulk && n <= bulk_left_) {
      bulk_left_ -= n;  // a bulk string longer than the captured bytes: skipped by its length
      v_.uncaptured_bytes += n;
      if (bulk_left_ == 0) value_done(pos + len);
    } else {
      // The next value, or framing inside this one, lies in bytes that were not copied.
      break_framing(db::FramingBreak::Why::Uncaptured, pos + cap.size());
    }
  }
  next_pos_ = pos + len;
  last_meta_ = seg.meta;
}

size_t RespScanner::step(std::string_view cap, size_t off) {
  switch (state_) {
    case State::Idle: {
      const char c = cap[off];
      if (command_side_ && (c == '\r' || c == '\n')) return off + 1;  // blank lines between commands
      begin_value(off);
      if (command_side_ && c != '*') {
        v_.type = 'i';
        state_ = State::Inline;
        line_.clear();
        line_len_ = 0;
        return off;
      }
      state_ = State::Type;
      return off;
    }
    case State::Type: {
      const char c = cap[off];
      if (!is_type(c)) {
        break_framing(db::FramingBreak::Why::Garbage, seg_pos_);
        return cap.size();
      }
      cur_type_ = c;
      if (stack_.empty() || std::all_of(stack_.begin(), stack_.end(), [](const Level& l) { return l.attribute; }))
        v_.type = c;
      state_ = State::Line;
      line_.clear();
      line_len_ = 0;
      line_cr_ = false;
      return off + 1;
    }
    case State::Line:
      return step_line(cap, off);
    case State::Bulk:
      return step_bulk(cap, off);
    case State::Inline:
      return step_inline(cap, off);
    case State::Broken:
      return cap.size();
  }
  return cap.size();
}

void RespScanner::begin_value(size_t off) {
  v_.start_pos = seg_pos_ + off;
  v_.first = meta_;
  v_.last = meta_;
  v_.end_pos = v_.start_pos;
  v_.is_request = command_side_;
  v_.truncated = false;
  v_.uncaptured_bytes = 0;
  v_.traceparent.clear();
  v_.type = 0;
  v_.count = 0;
  for (uint32_t i = 0; i < v_.args_kept; ++i) v_.args[i].clear();
  v_.args_kept = 0;
  v_.args_total = 0;
  v_.text.clear();
  v_.has_last_integer = false;
  v_.last_integer = 0;
  stack_.clear();
  in_value_ = true;
}

size_t RespScanner::step_line(std::string_view cap, size_t off) {
  const void* nl = std::memchr(cap.data() + off, '\n', cap.size() - off);
  const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - cap.data()) : cap.size();
  const std::string_view part = cap.substr(off, end - off);
  if (line_.size() < kKeptLine) line_.append(part.substr(0, kKeptLine - line_.size()));
  line_len_ += part.size();
  if (!part.empty()) line_cr_ = part.back() == '\r';
  if (line_len_ > kMaxLine) {
    break_framing(db::FramingBreak::Why::Garbage, seg_pos_);
    return cap.size();
  }
  if (nl == nullptr) return cap.size();
  if (!line_cr_) {
    break_framing(db::FramingBreak::Why::Garbage, seg_pos_);
    return cap.size();
  }
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  const size_t after = end + 1;
  line_end_pos_ = seg_pos_ + after;
  if (!on_line()) {
    break_framing(db::FramingBreak::Why::Garbage, seg_pos_);
    return cap.size();
  }
  return after;
}

bool RespScanner::on_line() {
  const char t = cur_type_;
  const std::string_view line(line_);
  const bool top = stack_.empty();
  const bool first_elem = stack_.size() == 1 && stack_[0].index == 0;
  switch (t) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(': {
      if (top) {
        if (t == '+' || t == '-') keep(v_.text, line);
        if (t == ':' && !parse_int(line, v_.count)) return false;
      } else if (stack_.size() == 1) {
        if (first_elem && t == '+' && !command_side_) keep(v_.text, line);
        if (t == ':') {
          int64_t n;
          if (!parse_int(line, n)) return false;
          v_.has_last_integer = true;
          v_.last_integer = n;
        }
      }
      value_done(line_end_pos_);
      return true;
    }
    case '$':
    case '=':
    case '!': {
      int64_t n;
      if (!parse_int(line, n) || n < -1 || n > kMaxBulk) return false;
      if (top) v_.count = n;
      if (n == -1) {
        value_done(line_end_pos_);
        return true;
      }
      bulk_target_ = nullptr;
      if (stack_.size() == 1) {
        const int64_t i = stack_[0].index;
        if (command_side_ && i < static_cast<int64_t>(kKeptArgs)) {
          bulk_target_ = &v_.args[i];
          v_.args_kept = static_cast<uint32_t>(i + 1);
        } else if (!command_side_ && i == 0) {
          bulk_target_ = &v_.text;
        }
      }
      bulk_left_ = static_cast<uint64_t>(n) + 2;
      state_ = State::Bulk;
      return true;
    }
    case '*':
    case '>':
    case '~':
    case '%':
    case '|': {
      int64_t n;
      if (!parse_int(line, n) || n < -1 || n > kMaxAggregate) return false;
      if (top) {
        v_.count = n;
        if (command_side_) v_.args_total = n;
      }
      if (n <= 0) {
        value_done(line_end_pos_);
        return true;
      }
      if (stack_.size() >= kMaxDepth) return false;
      const int64_t factor = (t == '%' || t == '|') ? 2 : 1;
      stack_.push_back(Level{n * factor, 0, t == '|'});
      state_ = State::Type;
      return true;
    }
    default:
      return false;
  }
}

size_t RespScanner::step_bulk(std::string_view cap, size_t off) {
  const uint64_t take = std::min<uint64_t>(bulk_left_, cap.size() - off);
  const uint64_t data_left = bulk_left_ > 2 ? bulk_left_ - 2 : 0;
  const uint64_t data_take = std::min(take, data_left);
  if (bulk_target_ && data_take > 0) keep(*bulk_target_, cap.substr(off, data_take));
  // The CRLF after the data, where it is visible.
  for (uint64_t k = data_take; k < take; ++k) {
    const uint64_t left = bulk_left_ - k;  // 2: expecting CR, 1: expecting LF
    const char want = left == 2 ? '\r' : '\n';
    if (cap[off + k] != want) {
      break_framing(db::FramingBreak::Why::Garbage, seg_pos_);
      return cap.size();
    }
  }
  bulk_left_ -= take;
  off += take;
  if (bulk_left_ == 0) value_done(seg_pos_ + off);
  return off;
}

size_t RespScanner::step_inline(std::string_view cap, size_t off) {
  const void* nl = std::memchr(cap.data() + off, '\n', cap.size() - off);
  const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - cap.data()) : cap.size();
  const std::string_view part = cap.substr(off, end - off);
  if (line_.size() < kKeptLine) line_.append(part.substr(0, kKeptLine - line_.size()));
  line_len_ += part.size();
  if (line_len_ > kMaxLine) {
    break_framing(db::FramingBreak::Why::Garbage, seg_pos_);
    return cap.size();
  }
  if (nl == nullptr) return cap.size();
  // Split into words.
  std::string_view rest(line_);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\r')) rest.remove_prefix(1);
    if (rest.empty()) break;
    size_t w = 0;
    while (w < rest.size() && rest[w] != ' ' && rest[w] != '\t' && rest[w] != '\r') ++w;
    if (v_.args_kept < kKeptArgs) keep(v_.args[v_.args_kept++], rest.substr(0, w));
    ++v_.args_total;
    rest.remove_prefix(w);
  }
  const size_t after = end + 1;
  if (v_.args_total == 0) {  // an empty line: no command
    in_value_ = false;
    state_ = State::Idle;
    return after;
  }
  value_done(seg_pos_ + after);
  return after;
}

void RespScanner::value_done(uint64_t end_pos) {
  for (;;) {
    if (stack_.empty()) {
      v_.end_pos = end_pos;
      v_.last = meta_;
      in_value_ = false;
      state_ = State::Idle;
      ++stats_.messages;
      events_.on_value(command_side_, v_);
      return;
    }
    Level& top = stack_.back();
    ++top.index;
    if (--top.remaining > 0) {
      state_ = State::Type;
      return;
    }
    const bool attribute = top.attribute;
    stack_.pop_back();
    if (attribute) {  // the attributed value itself follows
      state_ = State::Type;
      return;
    }
  }
}

void RespScanner::break_framing(db::FramingBreak::Why why, uint64_t at_pos) {
  if (why == db::FramingBreak::Why::Garbage) ++stats_.parse_errors;
  db::FramingBreak b;
  b.why = why;
  b.ts_ns = meta_.exit_ns;
  b.start_pos = at_pos;
  b.first = meta_;
  if (in_value_) {
    ++stats_.truncated_messages;
    b.start_pos = v_.start_pos;
    b.first = v_.first;
  }
  in_value_ = false;
  stack_.clear();
  state_ = State::Broken;
  restart_armed_ = false;
  events_.on_broken(command_side_, b);
}

}  // namespace cs::redis
