// Incremental HTTP/1.x parser for one direction of a connection (requests or responses).
//
// Fed the Segments of its direction in stream order. Heads are parsed in place when a segment holds all
// of one, else buffered (bounded by kMaxHeadBytes); bodies are never buffered, only counted past, across
// uncaptured bytes and gaps when their length is known. When framing is lost the parser drops or cuts the
// current message and resynchronises on the next message start.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http1/http1_head.h"
#include "protocols/protocol.h"

namespace cs::http1 {

class Http1Parser {
 public:
  // What the parser reports to its session.
  class Events {
   public:
    // A head parsed. For a response, returns the method of the request it answers ("" if unknown), which
    // decides whether a body follows (HEAD, CONNECT).
    virtual std::string_view on_head(bool request, const Http1Message& msg) = 0;
    // A message ended (complete, or cut short with truncated=true). Always preceded by on_head.
    virtual void on_message(bool request, Http1Message&& msg) = 0;

   protected:
    ~Events() = default;
  };

  // What close() found in progress.
  enum class CloseResult : uint8_t { Nothing, Completed, Cut };

  // `keep_headers`: header names whose values the parsed messages carry (http1_options.h); nullptr: none.
  Http1Parser(bool request, Events& events, ProtocolStats& stats,
              const std::vector<std::string>* keep_headers = nullptr);

  void feed(const Segment& seg);
  // The connection ended. A read-until-close body is Completed; a message whose head was parsed but whose
  // body was not finished is Cut (truncated=true). Either way it is moved to `out` (not reported via
  // on_message). A partial head is dropped. The parser is reset.
  CloseResult close(Http1Message& out);
  // The connection stopped speaking HTTP (101 Switching Protocols, CONNECT tunnel): ignore all bytes.
  void enter_tunnel() { state_ = State::Tunnel; }

 private:
  enum class State : uint8_t {
    Idle,          // between messages
    Head,          // inside a head
    Body,          // Content-Length body: remaining_ bytes left
    ChunkSize,     // chunk-size line
    ChunkData,     // chunk data: remaining_ bytes left
    ChunkDataEnd,  // CRLF after chunk data
    Trailers,      // trailer section after the last chunk
    UntilClose,    // body delimited by connection close
    Resync,        // framing lost: looking for a message start
    Tunnel,        // not HTTP any more
  };

  size_t step(std::string_view cap, size_t off);
  size_t step_head(std::string_view cap, size_t off);
  size_t step_chunk_size(std::string_view cap, size_t off);
  size_t step_chunk_data_end(std::string_view cap, size_t off);
  size_t step_trailers(std::string_view cap, size_t off);
  size_t step_resync(std::string_view cap, size_t off);
  // Skips `n` bytes that were not seen inside chunk data; false if they run past the chunk (framing lost).
  bool skip_unseen_chunk_data(uint64_t n);

  void on_gap(uint64_t gap);
  void on_uncaptured(uint64_t at, uint64_t n);

  void begin_message(size_t off);
  void reset_message_fields();
  // Head complete at segment offset `end_off`: decide how the body is framed.
  void head_parsed(size_t end_off);
  // Ends the current message (state becomes Idle or Tunnel).
  void finish(uint64_t end_pos, const SyscallMeta& last, bool truncated);
  // A head could not be parsed: drop the message, resync. Returns the offset to continue at.
  size_t fail_head(size_t resume_off);
  // Chunked framing broken at segment offset `off`: cut the message there, resync.
  size_t fail_chunk(size_t off);
  void enter_resync(bool parse_error);
  void release_head_buffer();

  const bool request_;
  const std::vector<std::string>* keep_headers_;
  Events& events_;
  ProtocolStats& stats_;

  State state_ = State::Idle;
  bool started_ = false;
  bool resyncing_ = false;       // in a resync episode: further failures are not counted again
  bool fresh_ = false;           // no byte of the current segment consumed yet (resync may match at 0)
  bool head_confirmed_ = false;  // the bytes so far start with a method / "HTTP/1."
  bool tunnel_after_ = false;    // the current message switches the connection to a tunnel
  bool chunk_in_ext_ = false;
  bool chunk_cr_ = false;
  uint8_t chunk_digits_ = 0;

  uint64_t next_pos_ = 0;        // stream position expected next
  uint64_t seg_pos_ = 0;         // position of the current segment's first byte
  SyscallMeta meta_;             // current segment
  SyscallMeta last_meta_;        // previous segment
  size_t head_start_off_ = 0;    // offset of the head start in the current segment
  bool head_in_segment_ = false; // the head started in the current segment

  uint64_t remaining_ = 0;       // Body / ChunkData bytes left
  uint64_t chunk_size_ = 0;
  uint32_t line_len_ = 0;        // chunk-size line / trailer line length so far
  uint32_t trailer_bytes_ = 0;

  Http1Message msg_;
  HeadFraming framing_;
  std::string head_;             // head bytes when a head spans segments
};

}  // namespace cs::http1
