// HTTP/1.x message heads: recognising a message start and parsing a complete head (start line + headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/message.h"

namespace cs::http1 {

// Largest head (start line + headers) accepted; a longer one is treated as garbage.
inline constexpr size_t kMaxHeadBytes = 64 * 1024;

// What an HTTP/1.x head says: the fields pairing, framing and spans use.
struct Http1Head {
  std::string method;   // request: "GET"
  std::string target;   // request: request-target as sent, "/users?id=1"
  std::string path;     // request: "/users"
  std::string host;     // request: Host header (or the authority of an absolute-form target)
  std::string version;  // "1.1"
  int status = 0;       // response: 200
  bool keep_alive = true;
  uint64_t head_end_pos = 0;  // stream position one past the head's last byte (the body starts there)
};

// An HTTP/1.x message: where and when it travelled (traceparent from its header) and what its head said.
struct Http1Message : Message, Http1Head {};

// How the body of a message is delimited, from its headers.
struct HeadFraming {
  bool has_content_length = false;
  uint64_t content_length = 0;
  bool chunked = false;               // Transfer-Encoding whose last coding is "chunked"
  bool other_transfer_coding = false; // Transfer-Encoding present but not ending in "chunked"
  bool conn_close = false;            // Connection: close
  bool conn_keep_alive = false;       // Connection: keep-alive
};

// Does `s` begin a request (known method + SP) / response ("HTTP/1.")? Partial: `s` is a proper prefix
// of one, more bytes are needed to tell.
enum class StartMatch : uint8_t { No, Partial, Yes };
StartMatch match_message_start(std::string_view s, bool request);

// True if `s` begins with one of the methods the detector trusts (GET POST PUT DELETE HEAD OPTIONS
// PATCH CONNECT TRACE) followed by a space.
bool starts_with_common_method(std::string_view s);

// Offset one past the empty line ending a head ("\n\r\n" or "\n\n"), searching from `from`; npos if
// the head is not complete in `s`. A terminator starting before `from` is not found.
size_t find_head_end(std::string_view s, size_t from);

// Parses a head into the head fields of `msg` (method, target, path, host, version, status, keep_alive)
// and its traceparent and `framing`. The terminating empty line may be missing (a head cut short):
// whatever complete lines are present are used. Returns false if the start line is invalid or a framing
// header cannot be trusted (bad or conflicting Content-Length, unknown Transfer-Encoding on a request).
// If `head_end` is given it receives the offset one past the empty line ending the head, or npos if
// `head` holds none (then the fields describe an incomplete head); it is not set when false is returned.
bool parse_head(std::string_view head, bool request, Http1Message& msg, HeadFraming& framing,
                size_t* head_end = nullptr);

}  // namespace cs::http1
