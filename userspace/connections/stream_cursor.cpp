#include "connections/stream_cursor.h"

#include <algorithm>

namespace cs {

StreamCursor::Placed StreamCursor::place(bool has_seq, uint32_t seq, uint32_t len, std::string_view captured) {
  Placed out;
  uint64_t pos;
  if (started_ && !seq_valid_) has_seq = false;  // once unknown, positions stay contiguous
  if (!has_seq) {
    seq_valid_ = false;
    pos = started_ ? next_pos_ : (uint64_t{1} << 32);
  } else if (!started_) {
    pos = (uint64_t{1} << 32) + seq;  // headroom below for a slightly earlier sequence number
  } else {
    pos = last_pos_ + static_cast<int64_t>(static_cast<int32_t>(seq - last_seq_));
  }
  if (has_seq) {
    last_seq_ = seq;
    last_pos_ = pos;
  }
  if (!started_) {
    started_ = true;
    next_pos_ = pos;
  }
  if (pos + len <= next_pos_) {
    out.drop = true;
    return out;
  }
  if (pos < next_pos_) {
    uint64_t skip = next_pos_ - pos;
    captured = captured.substr(std::min<uint64_t>(skip, captured.size()));
    len -= static_cast<uint32_t>(skip);
    pos = next_pos_;
  }
  out.gap_bytes = pos - next_pos_;
  out.pos = pos;
  out.len = len;
  out.captured = captured;
  next_pos_ = pos + len;
  return out;
}

}  // namespace cs
