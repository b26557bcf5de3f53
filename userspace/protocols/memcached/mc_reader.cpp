#include "protocols/memcached/mc_reader.h"

#include <algorithm>
#include <cstring>

namespace cs::memcached {

void McReader::feed(const Segment& seg) {
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
    if (state_ == State::Data && gap < data_left_) {
      data_left_ -= gap;
      u_.uncaptured += gap;
    } else if (state_ != State::Broken) {
      break_framing(false);
    }
  }
  if (state_ == State::Broken) {
    if (!armed_ && !owner_.proves_start(side_, cap)) {
      next_pos_ = pos + len;
      last_meta_ = seg.meta;
      return;
    }
    armed_ = false;
    state_ = State::Idle;
  }
  size_t off = 0;
  while (off < cap.size() && state_ != State::Broken) {
    if (state_ == State::Idle) {
      u_ = Unit{};
      u_.start_pos = pos + off;
      u_.first = meta_;
      line_.clear();
      line_len_ = 0;
      state_ = State::Line;
    }
    if (state_ == State::Line) {
      const void* nl = std::memchr(cap.data() + off, '\n', cap.size() - off);
      const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - cap.data()) : cap.size();
      const std::string_view part = cap.substr(off, end - off);
      if (line_.size() < kKeptLine + 1) line_.append(part.substr(0, kKeptLine + 1 - line_.size()));
      line_len_ += part.size();
      if (line_len_ > kMaxLine) {
        break_framing(true);
        break;
      }
      if (nl == nullptr) {
        off = cap.size();
        break;
      }
      off = end + 1;
      if (line_.empty() || line_.back() != '\r') {
        if (line_len_ <= kKeptLine) {
          break_framing(true);
          break;
        }
      } else {
        line_.pop_back();
      }
      if (line_.size() > kKeptLine) line_.resize(kKeptLine);
      const int64_t data = owner_.data_after(side_, line_);
      if (state_ == State::Broken) break;  // the owner gave up on the stream
      if (data < 0) {
        finish(pos + off, meta_);
        continue;
      }
      data_left_ = static_cast<uint64_t>(data) + 2;
      state_ = State::Data;
      continue;
    }
    // Data
    const uint64_t take = std::min<uint64_t>(data_left_, cap.size() - off);
    data_left_ -= take;
    off += take;
    if (data_left_ == 0) finish(pos + off, meta_);
  }
  if (len > cap.size() && state_ != State::Broken) {
    const uint64_t n = len - cap.size();
    if (state_ == State::Data && n <= data_left_) {
      data_left_ -= n;
      u_.uncaptured += n;
      if (data_left_ == 0) finish(pos + len, meta_);
    } else {
      break_framing(false);
    }
  }
  next_pos_ = pos + len;
  last_meta_ = seg.meta;
}

void McReader::finish(uint64_t end_pos, const SyscallMeta& last) {
  u_.end_pos = end_pos;
  u_.last = last;
  u_.line = line_;
  state_ = State::Idle;
  ++stats_.messages;
  owner_.on_unit(side_, u_);
}

void McReader::break_framing(bool parse_error) {
  if (parse_error) ++stats_.parse_errors;
  if (state_ == State::Line || state_ == State::Data) ++stats_.truncated_messages;
  state_ = State::Broken;
  armed_ = false;
  owner_.on_broken(side_);
}

}  // namespace cs::memcached
