// HTTP/1.x message heads: recognising a message start and parsing a complete head (start line + headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/message.h"

namespace cs::http1 {

// Largest head (start line + headers) accepted; a longer one is treated as garbage.
inline constexpr size_t kMaxHeadBytes = 64 * 1024;

// What an HTTP/1.x head says: the fields pairing, framing and spans use. The text fields share one buffer
// (`text_`, reused: clear() keeps its capacity), so a head costs one string to move, and no allocation once
// warm. Views returned by the accessors are valid until the head is changed.
struct Http1Head {
  int status = 0;       // response: 200
  bool keep_alive = true;
  uint64_t head_end_pos = 0;  // stream position one past the head's last byte (the body starts there)
  // Values of the headers named in Http1Options::headers, in that order ("" if absent); empty (no
  // allocation) when none are named (http1_options.h).
  std::vector<std::string> header_values;

  std::string_view method() const { return get(method_); }    // request: "GET"
  std::string_view target() const { return get(target_); }    // request: request-target as sent, "/users?id=1"
  std::string_view path() const { return get(path_); }        // request: "/users"
  std::string_view host() const { return get(host_); }        // request: Host header (or the authority of an
                                                              // absolute-form target)
  std::string_view version() const { return get(version_); }  // "1.1"

  void set_method(std::string_view v) { put(method_, v); }
  void set_target(std::string_view v) { put(target_, v); }
  void set_path(std::string_view v) { put(path_, v); }
  void set_host(std::string_view v) { put(host_, v); }
  void set_version(std::string_view v) { put(version_, v); }
  // The fields of a request line with one copy of it: method, target, version and a non-empty authority
  // (the host of an absolute-form target) are pieces of `line`; so is `path` unless it is a literal.
  void set_request_line(std::string_view line, std::string_view method, std::string_view target,
                        std::string_view path, std::string_view version, std::string_view authority);
  // Appends " " + v to the host (v to an empty host): an obs-fold continuation of the Host header.
  void continue_host(std::string_view v);

  // Every field empty, status 0, head_end_pos 0, keep_alive true.
  void clear();

 private:
  struct Field {
    uint32_t at = 0;
    uint32_t len = 0;
  };
  std::string_view get(Field f) const { return std::string_view(text_).substr(f.at, f.len); }
  // A field set again gets new bytes at the end (the old ones stay unused until clear()).
  void put(Field& f, std::string_view v) {
    f.at = static_cast<uint32_t>(text_.size());
    f.len = static_cast<uint32_t>(v.size());
    text_.append(v);
  }

  std::string text_;
  Field method_, target_, path_, host_, version_;
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
// `keep`: header names (lowercase) whose values go to msg.header_values (http1_options.h); nullptr: none.
bool parse_head(std::string_view head, bool request, Http1Message& msg, HeadFraming& framing,
                size_t* head_end = nullptr, const std::vector<std::string>* keep = nullptr);

}  // namespace cs::http1
