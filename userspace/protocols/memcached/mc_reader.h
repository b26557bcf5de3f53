// Reads one direction of a memcached text-protocol connection: lines ending in "\r\n", each possibly
// followed by a data block of a length the line gives ("<data>\r\n"), never buffered: skipped by length,
// also across uncaptured bytes and gaps inside it.
//
// Rules: a line longer than kMaxLine, or bytes lost where a line is, break the framing: the unit in
// progress is dropped, on_broken is called, and the reader waits for a segment its owner proves to start
// a line (proves_start) or for restart_at_next_segment.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/protocol.h"

namespace cs::memcached {

inline constexpr size_t kMaxLine = 8192;
inline constexpr size_t kKeptLine = 1024;

// A line and, when it announced one, its data block.
struct Unit {
  uint64_t start_pos = 0;
  uint64_t end_pos = 0;
  SyscallMeta first;
  SyscallMeta last;
  std::string_view line;    // without "\r\n", cut at kKeptLine
  uint64_t uncaptured = 0;  // data bytes not seen
};

class McReader {
 public:
  class Owner {
   public:
    // A line was read: the length of the data block that follows it, or -1 for none (the unit ends).
    virtual int64_t data_after(bool side, std::string_view line) = 0;
    virtual void on_unit(bool side, const Unit& u) = 0;
    virtual bool proves_start(bool side, std::string_view captured) const = 0;
    virtual void on_broken(bool side) = 0;

   protected:
    ~Owner() = default;
  };

  McReader(bool side, Owner& owner, ProtocolStats& stats) : side_(side), owner_(owner), stats_(stats) {}

  void feed(const Segment& seg);
  void restart_at_next_segment() {
    state_ = State::Broken;
    armed_ = true;
  }
  void hold() {
    state_ = State::Broken;
    armed_ = false;
  }

 private:
  enum class State : uint8_t { Idle, Line, Data, Broken };
  void break_framing(bool parse_error);
  void finish(uint64_t end_pos, const SyscallMeta& last);

  const bool side_;
  Owner& owner_;
  ProtocolStats& stats_;
  State state_ = State::Idle;
  bool armed_ = false;
  bool started_ = false;
  uint64_t next_pos_ = 0;
  uint64_t seg_pos_ = 0;
  SyscallMeta meta_;
  SyscallMeta last_meta_;
  std::string line_;
  size_t line_len_ = 0;
  uint64_t data_left_ = 0;  // data + CRLF
  Unit u_;
};

}  // namespace cs::memcached
