// Maps one direction's TCP sequence numbers to 64-bit stream positions and finds what is new.
//
// The kernel reports the sequence number of the first byte each socket call moved. Positions unwrap it
// (they stay congruent to the sequence number mod 2^32, so a message's position gives its wire sequence
// number back).
// Bytes already seen are trimmed, bytes skipped over are a gap (lost events).
#pragma once

#include <cstdint>
#include <string_view>

namespace cs {

class StreamCursor {
 public:
  struct Placed {
    bool drop = false;           // nothing new in it (duplicate or behind the head)
    uint64_t pos = 0;            // position of the first new byte
    uint32_t len = 0;            // new bytes
    std::string_view captured;   // captured part of the new bytes
    uint64_t gap_bytes = 0;      // bytes skipped between the previous head and pos
  };

  // `has_seq` false: the kernel could not read the sequence number; the bytes are assumed contiguous.
  Placed place(bool has_seq, uint32_t seq, uint32_t len, std::string_view captured);

  bool started() const { return started_; }
  bool seq_valid() const { return started_ && seq_valid_; }
  uint64_t head() const { return next_pos_; }
  // TCP sequence number of the next byte expected (positions are congruent to it mod 2^32), when known.
  bool next_seq(uint32_t& out) const {
    if (!seq_valid()) return false;
    out = static_cast<uint32_t>(next_pos_);
    return true;
  }

 private:
  bool started_ = false;
  bool seq_valid_ = true;
  uint32_t last_seq_ = 0;
  uint64_t last_pos_ = 0;
  uint64_t next_pos_ = 0;
};

}  // namespace cs
