// What a protocol parser works on and produces, whatever the protocol: the bytes one socket call moved on
// one direction of a connection (Segment), who moved them and when (SyscallMeta), and where and when one
// protocol message travelled (Message).
//
// Rules:
//  - Positions are 64-bit stream positions: the TCP sequence number unwrapped per direction, so a position
//    mod 2^32 is the wire sequence number of that byte (both ends of a connection see the same).
//  - A Message only says where it lies in the stream and which calls carried its first and last byte. What
//    the message means (method, command, query, status) stays inside the protocol's own types.
//  - traceparent is the one protocol field every stage may read: explicit W3C propagation, verbatim, from
//    whatever carries it in the protocol (an HTTP header, an SQL comment, ...); empty if none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cs {

// Which side of a connection bytes travel on, seen from the traced process.
enum class Dir : uint8_t { Egress = 1, Ingress = 2 };

// The socket call that carried a segment: who and when.
struct SyscallMeta {
  uint64_t enter_ns = 0;  // CLOCK_MONOTONIC when the call began; the return time when the capture does not
                          // know the entry (socket-level capture: cs_data_event.enter_ns == 0)
  uint64_t exit_ns = 0;   // CLOCK_MONOTONIC when the call returned (the bytes had moved)
  uint32_t tid = 0;       // thread that made the call
  uint32_t pid = 0;       // its process (thread group)
  uint64_t goid = 0;      // goroutine id of a Go thread, 0 if none or unknown (not used by the rules yet)
};

// Bytes one socket call moved on one direction of a connection.
struct Segment {
  uint64_t pos = 0;             // stream position of the first byte (unwrapped TCP sequence number)
  uint32_t len = 0;             // bytes the call moved
  std::string_view captured;    // the first captured.size() <= len bytes; the rest were not copied
  SyscallMeta meta;
};

// One protocol message (or a run of messages that answer one request) with where and when it travelled.
struct Message {
  bool is_request = true;
  bool truncated = false;         // framing was lost inside the message; end_pos is a best guess
  uint64_t start_pos = 0;         // stream position of the first byte
  uint64_t end_pos = 0;           // stream position one past the last byte
  SyscallMeta first;              // call that carried the first byte
  SyscallMeta last;               // call that carried the last byte
  uint64_t uncaptured_bytes = 0;  // bytes of the message that were not captured (beyond --payload-bytes, gaps)
  std::string traceparent;        // request: W3C traceparent it carried, verbatim (empty if none)
};

}  // namespace cs
