// Reads length-prefixed messages (PostgreSQL messages, MySQL packets) from one direction of a connection.
//
// Rules:
//  - Fed the segments of its direction in stream order. The header of each message is read whole (it may
//    span segments); of the body only the first keep_bytes(header) bytes are kept (bounded), the rest is
//    skipped by its length, also across uncaptured bytes and gaps that lie inside it.
//  - Framing is lost when bytes are missing where a header is, or the header is invalid (body_length < 0):
//    the message in progress is dropped, on_broken is called, and the reader waits for a segment that its
//    owner proves to start a message (proves_start), or for restart_at_next_segment.
//  - Memory: one kept-body buffer per reader, at most kMaxKeptBody bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/db/framing_break.h"
#include "protocols/protocol.h"

namespace cs::db {

inline constexpr size_t kMaxKeptBody = 16 * 1024;
inline constexpr size_t kMaxHeader = 8;

struct Frame {
  uint64_t start_pos = 0;
  uint64_t end_pos = 0;
  SyscallMeta first;
  SyscallMeta last;
  std::string_view header;   // the whole header
  std::string_view body;     // the first bytes of the body (up to keep_bytes), as captured
  uint64_t body_len = 0;     // the whole body's length
  uint64_t uncaptured = 0;   // body bytes not seen (beyond the capture, in gaps)
  bool body_complete() const { return body.size() == body_len; }
};

class FramedReader {
 public:
  // What the owner says about the framing, and what it is told.
  class Owner {
   public:
    // Header size of the next message (1..kMaxHeader).
    virtual size_t header_size(bool side) const = 0;
    // Body length from a whole header; < 0: not a valid header (framing lost).
    virtual int64_t body_length(bool side, std::string_view header) const = 0;
    // Body bytes worth keeping (at most kMaxKeptBody).
    virtual size_t keep_bytes(bool side, std::string_view header) const = 0;
    // After lost framing: does this segment start with a message? (Only strong evidence.)
    virtual bool proves_start(bool side, std::string_view captured, uint64_t len) const = 0;
    virtual void on_frame(bool side, const Frame& f) = 0;
    virtual void on_broken(bool side, const FramingBreak& why) = 0;

   protected:
    ~Owner() = default;
  };

  FramedReader(bool side, Owner& owner, ProtocolStats& stats) : side_(side), owner_(owner), stats_(stats) {}

  void feed(const Segment& seg);
  void restart_at_next_segment() {
    state_ = State::Broken;
    armed_ = true;
  }
  void hold() {
    state_ = State::Broken;
    armed_ = false;
  }
  // Stop for good (the connection switched to TLS or another protocol).
  void stop() { state_ = State::Stopped; }
  bool broken() const { return state_ == State::Broken; }
  bool stopped() const { return state_ == State::Stopped; }
  bool at_boundary() const { return state_ == State::Idle; }
  // Stream position after the last byte seen, and the call that carried it.
  uint64_t next_pos() const { return next_pos_; }
  const SyscallMeta& last_meta() const { return last_meta_; }

 private:
  enum class State : uint8_t { Idle, Header, Body, Broken, Stopped };

  void begin(size_t off);
  void finish(uint64_t end_pos, const SyscallMeta& last);
  void break_framing(FramingBreak::Why why, uint64_t at_pos);

  const bool side_;
  Owner& owner_;
  ProtocolStats& stats_;
  State state_ = State::Idle;
  bool armed_ = false;
  bool started_ = false;
  uint64_t next_pos_ = 0;
  uint64_t seg_pos_ = 0;  // stream position of the current segment's first new byte
  SyscallMeta meta_;
  SyscallMeta last_meta_;

  char header_[kMaxHeader];
  size_t header_need_ = 0;
  size_t header_have_ = 0;
  uint64_t body_left_ = 0;
  size_t keep_ = 0;
  std::string body_;
  Frame f_;
};

}  // namespace cs::db
