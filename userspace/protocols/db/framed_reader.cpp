#include "protocols/db/framed_reader.h"

#include <algorithm>
#include <cstring>

namespace cs::db {

namespace {
constexpr size_t kKeepBodyCapacity = 4096;  // larger body buffers are released after use
}

void FramedReader::feed(const Segment& seg) {
  if (state_ == State::Stopped) return;
  uint64_t pos = seg.pos;
  uint64_t len = seg.len;
  std::string_view cap = seg.captured.substr(0, std::min<uint64_t>(seg.captured.size(), len));
  if (!started_) {
    started_ = true;
    next_pos_ = pos;
    last_meta_ = seg.meta;
  }
  if (pos < next_pos_) {
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
    if (state_ == State::Body && gap <= body_left_) {
      body_left_ -= gap;
      f_.uncaptured += gap;
      if (body_left_ == 0) finish(next_pos_ + gap, last_meta_);
      // The next message begins where this segment begins: framing holds.
    } else if (state_ != State::Broken) {
      break_framing(FramingBreak::Why::Lost, next_pos_);
    }
  }
  if (state_ == State::Broken) {
    if (!armed_ && !owner_.proves_start(side_, cap, len)) {
      next_pos_ = pos + len;
      last_meta_ = seg.meta;
      return;
    }
    armed_ = false;
    state_ = State::Idle;
  }
  size_t off = 0;
  while (off < cap.size() && state_ != State::Broken && state_ != State::Stopped) {
    switch (state_) {
      case State::Idle:
        begin(off);
        break;
      case State::Header: {
        const size_t take = std::min(header_need_ - header_have_, cap.size() - off);
        std::memcpy(header_ + header_have_, cap.data() + off, take);
        header_have_ += take;
        off += take;
        if (header_have_ < header_need_) break;
        const std::string_view h(header_, header_need_);
        const int64_t n = owner_.body_length(side_, h);
        if (n < 0) {
          break_framing(FramingBreak::Why::Garbage, pos + off);
          break;
        }
        body_left_ = static_cast<uint64_t>(n);
        f_.body_len = body_left_;
        keep_ = std::min(owner_.keep_bytes(side_, h), std::min<size_t>(kMaxKeptBody, body_left_));
        body_.clear();
        state_ = State::Body;
        if (body_left_ == 0) finish(pos + off, meta_);
        break;
      }
      case State::Body: {
        const uint64_t take = std::min<uint64_t>(body_left_, cap.size() - off);
        if (body_.size() < keep_) body_.append(cap.substr(off, std::min<uint64_t>(take, keep_ - body_.size())));
        body_left_ -= take;
        off += take;
        if (body_left_ == 0) finish(pos + off, meta_);
        break;
      }
      case State::Broken:
      case State::Stopped:
        break;
    }
  }
  if (len > cap.size() && state_ != State::Broken && state_ != State::Stopped) {
    const uint64_t n = len - cap.size();
    if (state_ == State::Body && n <= body_left_) {
      body_left_ -= n;  // a body longer than the captured bytes: skipped by its length
      f_.uncaptured += n;
      if (body_left_ == 0) finish(pos + len, meta_);
    } else {
      // A header (or the next message) lies in bytes that were not copied.
      break_framing(FramingBreak::Why::Uncaptured, pos + cap.size());
    }
  }
  next_pos_ = pos + len;
  last_meta_ = seg.meta;
}

void FramedReader::begin(size_t off) {
  f_ = Frame{};
  f_.first = meta_;
  header_need_ = std::clamp<size_t>(owner_.header_size(side_), 1, kMaxHeader);
  header_have_ = 0;
  state_ = State::Header;
  f_.start_pos = seg_pos_ + off;
}

void FramedReader::finish(uint64_t end_pos, const SyscallMeta& last) {
  f_.end_pos = end_pos;
  f_.last = last;
  f_.header = std::string_view(header_, header_need_);
  f_.body = body_;
  state_ = State::Idle;
  ++stats_.messages;
  owner_.on_frame(side_, f_);
  if (body_.capacity() > kKeepBodyCapacity) std::string().swap(body_);
}

void FramedReader::break_framing(FramingBreak::Why why, uint64_t at_pos) {
  if (why == FramingBreak::Why::Garbage) ++stats_.parse_errors;
  FramingBreak b;
  b.why = why;
  b.ts_ns = meta_.exit_ns;
  b.start_pos = at_pos;
  b.first = meta_;
  if (state_ == State::Header || state_ == State::Body) {
    ++stats_.truncated_messages;
    b.start_pos = f_.start_pos;
    b.first = f_.first;
  }
  state_ = State::Broken;
  armed_ = false;
  owner_.on_broken(side_, b);
}

}  // namespace cs::db
