// Incremental RESP2/RESP3 scanner for one direction of a Redis connection: finds where each top-level
// value (a command, a reply, a push) starts and ends, and keeps the little of it that spans need.
//
// Rules:
//  - Fed the segments of its direction in stream order. Bulk strings are never buffered: they are
//    skipped by their length, also across uncaptured bytes and gaps inside them; only the first bytes of
//    the first arguments (commands) or of the first element (replies) are kept, bounded.
//  - Nesting is bounded (kMaxDepth); a line longer than kMaxLine, an unknown type byte, a bad length, or
//    lost bytes where the framing needs them break the framing: the value being read is reported
//    truncated (if it had started) and the scanner waits. A command scanner restarts by itself at the next
//    segment that starts like a command array; a reply scanner only when its session says where
//    (restart_at_next_segment), because a reply start cannot be proven from its bytes.
//  - Commands may also be inline (a line of words), as redis-server accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/db/framing_break.h"
#include "protocols/protocol.h"

namespace cs::redis {

inline constexpr size_t kMaxDepth = 32;
inline constexpr size_t kMaxLine = 64 * 1024;
inline constexpr size_t kKeptArgs = 8;        // command arguments kept (the rest are only counted)
inline constexpr size_t kKeptArgBytes = 128;  // bytes kept of each

// One top-level RESP value as found in the stream.
struct RespValue : Message {
  char type = 0;              // first byte: '*' array, '+' simple string, '-' error, '>' push, ... ; 'i' inline command
  int64_t count = 0;          // aggregate: elements; bulk: length; integer: value
  // Command: the first kKeptArgs arguments (each cut at kKeptArgBytes); args_total counts all.
  std::string args[kKeptArgs];
  uint32_t args_kept = 0;
  int64_t args_total = 0;
  // Reply: the line of a simple string / error (cut at kKeptArgBytes), or the first element of an
  // aggregate when it is a string (its text) ; last_integer: the last integer element of an aggregate.
  std::string text;
  bool has_last_integer = false;
  int64_t last_integer = 0;
};

class RespScanner {
 public:
  class Events {
   public:
    virtual void on_value(bool command_side, RespValue& v) = 0;
    // Framing was lost (garbage, lost or uncaptured bytes); a value in progress, if any, was dropped.
    virtual void on_broken(bool command_side, const db::FramingBreak& why) = 0;

   protected:
    ~Events() = default;
  };

  RespScanner(bool command_side, Events& events, ProtocolStats& stats);

  void feed(const Segment& seg);
  // The next segment starts a value (the session proved it); bytes until then are ignored.
  void restart_at_next_segment() {
    state_ = State::Broken;
    restart_armed_ = true;
  }
  // Stop reading until restart_at_next_segment (the session cannot pair what would follow).
  void hold() {
    state_ = State::Broken;
    restart_armed_ = false;
  }
  bool broken() const { return state_ == State::Broken; }
  // Stream position after the last byte seen, and the call that carried it.
  uint64_t next_pos() const { return next_pos_; }
  const SyscallMeta& last_meta() const { return last_meta_; }

 private:
  enum class State : uint8_t { Idle, Type, Line, Bulk, Inline, Broken };
  struct Level {
    int64_t remaining;   // elements still to come
    int64_t index;       // index of the next element
    bool attribute;      // a RESP3 attribute: does not count as a value of its parent
  };

  size_t step(std::string_view cap, size_t off);
  size_t step_line(std::string_view cap, size_t off);
  size_t step_bulk(std::string_view cap, size_t off);
  size_t step_inline(std::string_view cap, size_t off);
  void begin_value(size_t off);
  bool on_line();            // false: framing broken
  void value_done(uint64_t end_pos);  // a (nested) value ended at end_pos
  void break_framing(db::FramingBreak::Why why, uint64_t at_pos);
  bool looks_like_command_start(std::string_view cap) const;

  const bool command_side_;
  Events& events_;
  ProtocolStats& stats_;

  State state_ = State::Idle;
  bool restart_armed_ = false;
  bool started_ = false;
  uint64_t next_pos_ = 0;
  uint64_t seg_pos_ = 0;
  SyscallMeta meta_;
  SyscallMeta last_meta_;

  RespValue v_;
  bool in_value_ = false;
  char cur_type_ = 0;       // type byte of the (nested) value being read
  std::string line_;        // current line (bounded by kMaxLine; only its first bytes are needed)
  size_t line_len_ = 0;
  bool line_cr_ = false;
  uint64_t bulk_left_ = 0;  // data + CRLF still to come
  std::string* bulk_target_ = nullptr;  // where the bulk's first bytes are kept, if anywhere
  uint64_t line_end_pos_ = 0;           // stream position one past the line just read
  std::vector<Level> stack_;
};

}  // namespace cs::redis
