#include "protocols/http1/http1_parser.h"

#include <algorithm>
#include <cstring>

namespace cs::http1 {
namespace {

constexpr uint32_t kMaxChunkLine = 4096;   // chunk-size line with extensions
constexpr uint32_t kMaxTrailerBytes = kMaxHeadBytes;
constexpr size_t kKeepHeadCapacity = 8192; // larger head buffers are released after use
constexpr size_t npos = std::string_view::npos;

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Http1Parser::Http1Parser(bool request, Events& events, ProtocolStats& stats,
                         const std::vector<std::string>* keep_headers)
    : request_(request), keep_headers_(keep_headers), events_(events), stats_(stats) {}

void Http1Parser::feed(const Segment& seg) {
  uint64_t pos = seg.pos;
  uint64_t len = seg.len;
  std::string_view cap = seg.captured.substr(0, std::min<uint64_t>(seg.captured.size(), len));
  if (!started_) {
    started_ = true;
    next_pos_ = pos;
    last_meta_ = seg.meta;
  }
  if (pos < next_pos_) {  // overlaps what was already seen: keep only the new part
    const uint64_t skip = next_pos_ - pos;
    if (skip >= len) return;
    pos += skip;
    len -= skip;
    cap.remove_prefix(std::min<uint64_t>(skip, cap.size()));
  }
  meta_ = seg.meta;
  seg_pos_ = pos;
  if (state_ == State::Tunnel) {
    next_pos_ = pos + len;
    return;
  }
  if (pos > next_pos_) {
    ++stats_.gaps;
    on_gap(pos - next_pos_);
  }
  fresh_ = true;
  head_in_segment_ = false;
  size_t off = 0;
  while (off < cap.size()) off = step(cap, off);
  if (len > cap.size()) on_uncaptured(pos + cap.size(), len - cap.size());
  next_pos_ = pos + len;
  last_meta_ = seg.meta;
}

size_t Http1Parser::step(std::string_view cap, size_t off) {
  switch (state_) {
    case State::Idle:
      // Empty lines between messages are tolerated.
      while (off < cap.size() && (cap[off] == '\r' || cap[off] == '\n')) ++off;
      if (off < cap.size()) begin_message(off);
      return off;
    case State::Head:
      return step_head(cap, off);
    case State::Body:
    case State::ChunkData: {
      const uint64_t take = std::min<uint64_t>(remaining_, cap.size() - off);
      remaining_ -= take;
      off += take;
      if (remaining_ == 0) {
        if (state_ == State::Body) {
          finish(seg_pos_ + off, meta_, false);
        } else {
          state_ = State::ChunkDataEnd;
          chunk_cr_ = false;
        }
      }
      return off;
    }
    case State::ChunkSize:
      return step_chunk_size(cap, off);
    case State::ChunkDataEnd:
      return step_chunk_data_end(cap, off);
    case State::Trailers:
      return step_trailers(cap, off);
    case State::Resync:
      return step_resync(cap, off);
    case State::UntilClose:
    case State::Tunnel:
      return cap.size();
  }
  return cap.size();
}

void Http1Parser::begin_message(size_t off) {
  reset_message_fields();
  msg_.start_pos = seg_pos_ + off;
  msg_.first = meta_;
  head_.clear();
  head_confirmed_ = false;
  head_start_off_ = off;
  head_in_segment_ = true;
  tunnel_after_ = false;
  state_ = State::Head;
}

void Http1Parser::reset_message_fields() {
  // Reset in place: the strings were moved out by the previous message (or hold a partial parse).
  msg_.Http1Head::clear();
  msg_.traceparent.clear();
  msg_.uncaptured_bytes = 0;
  msg_.truncated = false;
  msg_.end_pos = 0;
  msg_.last = SyscallMeta{};
  msg_.is_request = request_;
}

size_t Http1Parser::step_head(std::string_view cap, size_t off) {
  const std::string_view data = cap.substr(off);
  fresh_ = false;
  if (!head_confirmed_) {
    // Reject garbage as soon as its first bytes show it, instead of buffering up to the head limit.
    StartMatch m;
    if (head_.empty()) {
      m = match_message_start(data, request_);
    } else {
      char probe[32];
      const size_t a = std::min(head_.size(), sizeof probe);
      const size_t b = std::min(data.size(), sizeof probe - a);
      std::memcpy(probe, head_.data(), a);
      std::memcpy(probe + a, data.data(), b);
      m = match_message_start(std::string_view(probe, a + b), request_);
    }
    if (m == StartMatch::No) return fail_head(off);
    head_confirmed_ = m == StartMatch::Yes;
  }

  if (head_.empty()) {
    // Usually the whole head is in this segment: parse in place, finding its end on the way.
    const std::string_view view = data.substr(0, std::min(data.size(), kMaxHeadBytes + 2));
    HeadFraming framing;
    size_t e = npos;
    const bool ok = head_confirmed_ && parse_head(view, request_, msg_, framing, &e, keep_headers_);
    if (ok && e != npos) {
      framing_ = framing;
      head_parsed(off + e);
      return off + e;
    }
    if (!ok) e = find_head_end(view, 0);
    if (e != npos) return fail_head(off + e);  // complete but invalid
    if (data.size() > kMaxHeadBytes) return fail_head(cap.size());
    reset_message_fields();  // forget the partial parse; the head is parsed again once complete
    head_.assign(data);
    return cap.size();
  }

  const size_t old = head_.size();
  const size_t take = std::min(data.size(), kMaxHeadBytes + 3 - std::min(old, kMaxHeadBytes + 3));
  head_.append(data.substr(0, take));
  const size_t e = find_head_end(head_, old >= 2 ? old - 2 : 0);
  if (e != npos) {
    const size_t used = e - old;
    head_.resize(e);
    HeadFraming framing;
    if (!head_confirmed_ || e > kMaxHeadBytes + 2 || !parse_head(head_, request_, msg_, framing, nullptr, keep_headers_))
      return fail_head(off + used);
    framing_ = framing;
    head_parsed(off + used);
    release_head_buffer();
    return off + used;
  }
  if (head_.size() > kMaxHeadBytes) return fail_head(off + take);
  return off + take;
}

void Http1Parser::head_parsed(size_t end_off) {
  head_in_segment_ = false;
  if (resyncing_) {
    resyncing_ = false;
    ++stats_.resyncs;
  }
  msg_.last = meta_;  // so far: the syscall that completed the head (updated when the message ends)
  const std::string_view answered = events_.on_head(request_, msg_);
  const HeadFraming& f = framing_;
  const uint64_t end = seg_pos_ + end_off;
  msg_.head_end_pos = end;
  if (!request_) {
    const int st = msg_.status;
    if (st < 200) {  // 1xx: no body; 101 switches protocols
      tunnel_after_ = st == 101;
      finish(end, meta_, false);
      return;
    }
    if (answered == "CONNECT" && st < 300) {
      tunnel_after_ = true;
      finish(end, meta_, false);
      return;
    }
    if (st == 204 || st == 304 || answered == "HEAD") {
      finish(end, meta_, false);
      return;
    }
  }
  if (f.chunked) {
    state_ = State::ChunkSize;
    chunk_size_ = 0;
    chunk_digits_ = 0;
    chunk_in_ext_ = false;
    line_len_ = 0;
    return;
  }
  if (f.has_content_length) {
    if (f.content_length == 0) {
      finish(end, meta_, false);
    } else {
      remaining_ = f.content_length;
      state_ = State::Body;
    }
    return;
  }
  if (request_) {  // a request without length has no body
    finish(end, meta_, false);
    return;
  }
  msg_.keep_alive = false;  // body runs until the connection closes
  state_ = State::UntilClose;
}

void Http1Parser::finish(uint64_t end_pos, const SyscallMeta& last, bool truncated) {
  msg_.end_pos = end_pos;
  msg_.last = last;
  msg_.truncated = truncated;
  ++stats_.messages;
  if (truncated) ++stats_.truncated_messages;
  state_ = tunnel_after_ ? State::Tunnel : State::Idle;
  events_.on_message(request_, std::move(msg_));
}

void Http1Parser::enter_resync(bool parse_error) {
  if (parse_error && !resyncing_) ++stats_.parse_errors;
  resyncing_ = true;
  fresh_ = false;
  state_ = State::Resync;
  release_head_buffer();
}

void Http1Parser::release_head_buffer() {
  if (head_.capacity() > kKeepHeadCapacity) std::string().swap(head_);
  else head_.clear();
}

size_t Http1Parser::fail_head(size_t resume_off) {
  // If the failed head started in this segment, a real message start may hide inside it. Else resume
  // where the head stopped, including its last byte: a line end there may precede a message start.
  const size_t from = head_in_segment_ ? std::min(head_start_off_ + 1, resume_off)
                                       : (resume_off > 0 ? resume_off - 1 : 0);
  head_in_segment_ = false;
  enter_resync(true);
  return from;
}

size_t Http1Parser::fail_chunk(size_t off) {
  finish(seg_pos_ + off, meta_, true);
  enter_resync(true);
  return off;
}

size_t Http1Parser::step_chunk_size(std::string_view cap, size_t off) {
  while (off < cap.size()) {
    const char c = cap[off++];
    if (c == '\n') {
      if (chunk_digits_ == 0) return fail_chunk(off);
      if (chunk_size_ == 0) {
        state_ = State::Trailers;
        line_len_ = 0;
        trailer_bytes_ = 0;
      } else {
        state_ = State::ChunkData;
        remaining_ = chunk_size_;
      }
      return off;
    }
    if (++line_len_ > kMaxChunkLine) return fail_chunk(off);
    if (chunk_in_ext_) continue;  // extensions (and a CR) are skipped
    const int h = hex_value(c);
    if (h >= 0) {
      if (chunk_digits_ >= 16) return fail_chunk(off);
      chunk_size_ = chunk_size_ * 16 + static_cast<uint64_t>(h);
      ++chunk_digits_;
    } else if (chunk_digits_ > 0 && (c == ';' || c == ' ' || c == '\t' || c == '\r')) {
      chunk_in_ext_ = true;
    } else {
      return fail_chunk(off - 1);
    }
  }
  return off;
}

size_t Http1Parser::step_chunk_data_end(std::string_view cap, size_t off) {
  const char c = cap[off];
  if (c == '\n') {
    state_ = State::ChunkSize;
    chunk_size_ = 0;
    chunk_digits_ = 0;
    chunk_in_ext_ = false;
    line_len_ = 0;
    return off + 1;
  }
  if (c == '\r' && !chunk_cr_) {
    chunk_cr_ = true;
    return off + 1;
  }
  return fail_chunk(off);
}

size_t Http1Parser::step_trailers(std::string_view cap, size_t off) {
  while (off < cap.size()) {
    const char c = cap[off++];
    if (++trailer_bytes_ > kMaxTrailerBytes) return fail_chunk(off);
    if (c == '\n') {
      if (line_len_ == 0) {
        finish(seg_pos_ + off, meta_, false);
        return off;
      }
      line_len_ = 0;
    } else if (c != '\r') {
      ++line_len_;
    }
  }
  return off;
}

size_t Http1Parser::step_resync(std::string_view cap, size_t off) {
  if (fresh_ && off == 0 && match_message_start(cap, request_) != StartMatch::No) {
    state_ = State::Idle;
    return 0;
  }
  fresh_ = false;
  // A message start right after a line end inside these bytes. A start cut by the segment end
  // (Partial) is tried too; the next segment confirms or rejects it.
  const char* b = cap.data();
  size_t p = off;
  while (p < cap.size()) {
    const void* q = std::memchr(b + p, '\n', cap.size() - p);
    if (q == nullptr) break;
    const size_t s = static_cast<size_t>(static_cast<const char*>(q) - b) + 1;
    if (s >= cap.size()) break;
    if (match_message_start(cap.substr(s), request_) != StartMatch::No) {
      state_ = State::Idle;
      return s;
    }
    p = s;
  }
  return cap.size();
}

void Http1Parser::on_gap(uint64_t gap) {
  switch (state_) {
    case State::Idle:
      enter_resync(false);
      break;
    case State::Head:  // the rest of the head is lost: drop the message
      head_in_segment_ = false;
      enter_resync(false);
      break;
    case State::Body:
      if (gap <= remaining_) {
        remaining_ -= gap;
        msg_.uncaptured_bytes += gap;
        if (remaining_ == 0) finish(next_pos_ + gap, last_meta_, false);
      } else {
        msg_.uncaptured_bytes += remaining_;
        finish(next_pos_ + remaining_, last_meta_, false);
        if (state_ != State::Tunnel) enter_resync(false);
      }
      break;
    case State::ChunkData:
      if (skip_unseen_chunk_data(gap)) break;
      [[fallthrough]];
    case State::ChunkSize:
    case State::ChunkDataEnd:
    case State::Trailers:  // chunk framing lost: cut the message where the bytes stopped
      finish(next_pos_, last_meta_, true);
      enter_resync(false);
      break;
    case State::UntilClose:
      msg_.uncaptured_bytes += gap;
      break;
    case State::Resync:
    case State::Tunnel:
      break;
  }
}

void Http1Parser::on_uncaptured(uint64_t at, uint64_t n) {
  switch (state_) {
    case State::Idle:  // the next message starts in bytes we did not get
      enter_resync(false);
      break;
    case State::Head: {
      // Head longer than the capture: keep what the complete lines say, cut the message at the
      // segment end. Without a complete start line the message is dropped.
      head_in_segment_ = false;
      const size_t last_nl = head_.rfind('\n');
      HeadFraming framing;
      if (head_confirmed_ && last_nl != npos &&
          parse_head(std::string_view(head_).substr(0, last_nl + 1), request_, msg_, framing, nullptr, keep_headers_)) {
        if (resyncing_) {
          resyncing_ = false;
          ++stats_.resyncs;
        }
        msg_.last = meta_;
        events_.on_head(request_, msg_);
        msg_.uncaptured_bytes += n;
        tunnel_after_ = false;
        finish(at + n, meta_, true);
        enter_resync(false);
      } else {
        enter_resync(true);
      }
      break;
    }
    case State::Body: {
      const uint64_t take = std::min(remaining_, n);
      remaining_ -= take;
      msg_.uncaptured_bytes += take;
      if (remaining_ == 0) {
        finish(at + take, meta_, false);
        if (n > take && state_ != State::Tunnel) enter_resync(false);
      }
      break;
    }
    case State::ChunkData:
      if (skip_unseen_chunk_data(n)) break;  // the uncaptured bytes are chunk data: framing kept
      [[fallthrough]];
    case State::ChunkSize:
    case State::ChunkDataEnd:
    case State::Trailers:  // chunk framing lost: cut the message at the segment end
      msg_.uncaptured_bytes += n;
      finish(at + n, meta_, true);
      enter_resync(false);
      break;
    case State::UntilClose:
      msg_.uncaptured_bytes += n;
      break;
    case State::Resync:
    case State::Tunnel:
      break;
  }
}

Http1Parser::CloseResult Http1Parser::close(Http1Message& out) {
  CloseResult r = CloseResult::Nothing;
  switch (state_) {
    case State::UntilClose:
      msg_.end_pos = next_pos_;
      msg_.last = last_meta_;
      ++stats_.messages;
      out = std::move(msg_);
      r = CloseResult::Completed;
      break;
    case State::Body:
    case State::ChunkSize:
    case State::ChunkData:
    case State::ChunkDataEnd:
    case State::Trailers:
      msg_.end_pos = next_pos_;
      msg_.last = last_meta_;
      msg_.truncated = true;
      ++stats_.messages;
      ++stats_.truncated_messages;
      out = std::move(msg_);
      r = CloseResult::Cut;
      break;
    default:
      break;
  }
  state_ = State::Idle;
  started_ = false;
  resyncing_ = false;
  release_head_buffer();
  return r;
}

bool Http1Parser::skip_unseen_chunk_data(uint64_t n) {
  if (n > remaining_) return false;
  remaining_ -= n;
  msg_.uncaptured_bytes += n;
  if (remaining_ == 0) {
    state_ = State::ChunkDataEnd;
    chunk_cr_ = false;
  }
  return true;
}

}  // namespace cs::http1
