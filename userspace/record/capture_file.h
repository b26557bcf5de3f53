// Capture files: the raw kernel records of a `callscope record` session, replayable without root by
// `callscope replay` through the same userspace pipeline.
//
// Format (version 2, event ABI 2). Little-endian, fixed-width fields, no padding or alignment anywhere.
// A reader accepts exactly this format version and CS_ABI_VERSION; any other file is refused with a
// message naming both versions (older: record again with this callscope; newer: use a newer callscope).
// The file holds payload bytes: it is created private to its owner (mode 0600).
//
//   Header
//     off  size  field
//       0     8  magic            "CSCAPTUR"
//       8     4  format_version   u32, 2 (kCaptureFormatVersion)
//      12     4  header_size      u32, bytes of the whole header including magic (52 + both strings
//                                 in version 2, <= 4096); a reader skips bytes it does not know up to it
//      16     4  abi_version      u32, CS_ABI_VERSION of the agent that recorded (record layout)
//      20     4  payload_cap      u32, --payload-bytes in effect while recording
//      24     8  mono_to_unix_ns  i64, CLOCK_REALTIME - CLOCK_MONOTONIC at record start
//      32     8  start_unix_ns    u64, CLOCK_REALTIME at record start
//      40     8  start_mono_ns    u64, CLOCK_MONOTONIC at record start
//      48     2  kernel_len       u16 (<= 64), then kernel_len bytes: `uname -r` of the recording host
//       .     2  agent_len        u16 (<= 64), then agent_len bytes: agent version string
//
//   Records, one after the other until the trailer or the end of the file
//       0     4  size             u32, in [sizeof(cs_event_header), 1 MiB]
//       4  size  record bytes     as the ring buffer gave them, trimmed to the bytes the record uses
//                                 (its struct, + `captured` payload bytes for a data event): slot
//                                 padding never reaches the file, and the record's own
//                                 cs_event_header.size is patched to equal `size`
//
//   Clock records, between records wherever the recorder saw the wall clock change (common/clock_watch.h:
//   drift re-sync, NTP/settimeofday step, resume from suspend). Not counted in the trailer's records.
//   A capture without any (recorded before they existed, or no change happened) reads the same as before.
//       0     4  marker           u32 0xFFFFFFFE (never a valid record size)
//       4     4  body_size        u32, bytes that follow (>= 16, <= 4096; a reader skips bytes it does
//                                 not know)
//       8     8  at_mono_ns       u64, CLOCK_MONOTONIC when the change was measured
//      16     8  mono_to_unix_ns  i64, the offset from at_mono_ns on (replaces the header's)
//
//   Trailer (optional: missing when the recorder was killed), must be the last thing in the file
//       0     4  marker           u32 0xFFFFFFFF (never a valid record size)
//       4     4  body_size        u32, bytes that follow (>= 20 + 8 * counter_count, <= 4096)
//       8     8  records          u64, records the writer appended
//      16     8  end_unix_ns      u64, CLOCK_REALTIME when recording stopped
//      24     4  counter_count    u32, then counter_count u64: kernel counters (enum cs_stat order:
//                                 events, ringbuf drops, truncated, truncated bytes, read errors,
//                                 no payload, ignored calls)
//
// A reader stops at the first inconsistency (length out of range, cut record, header.size mismatch)
// and reports the byte offset; records before it are still delivered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callscope/events.h"

namespace cs {

inline constexpr char kCaptureMagic[8] = {'C', 'S', 'C', 'A', 'P', 'T', 'U', 'R'};
inline constexpr uint32_t kCaptureFormatVersion = 2;
inline constexpr uint32_t kCaptureMaxRecord = 1u << 20;       // 1 MiB
inline constexpr uint32_t kCaptureTrailerMarker = 0xFFFFFFFFu;
inline constexpr uint32_t kCaptureClockMarker = 0xFFFFFFFEu;
inline constexpr size_t kCaptureClockBody = 16;
inline constexpr size_t kCaptureMaxClockBody = 4096;
inline constexpr size_t kCaptureMaxString = 64;               // kernel release / agent version
inline constexpr size_t kCaptureMinHeaderSize = 52;           // header with both strings empty
inline constexpr size_t kCaptureMaxHeaderSize = 4096;
inline constexpr size_t kCaptureMinTrailerBody = 20;
inline constexpr size_t kCaptureMaxTrailerBody = 4096;

struct CaptureHeader {
  uint32_t format_version = kCaptureFormatVersion;  // set by the writer; as found by the reader
  uint32_t abi_version = CS_ABI_VERSION;
  uint32_t payload_cap = 0;
  int64_t mono_to_unix_ns = 0;
  uint64_t start_unix_ns = 0;
  uint64_t start_mono_ns = 0;
  std::string kernel_release;  // cut to 64 bytes when written
  std::string agent_version;   // cut to 64 bytes when written
};

struct CaptureTrailer {
  uint64_t records = 0;       // records appended (the writer fills this in finish())
  uint64_t end_unix_ns = 0;   // the writer fills this in finish() if left 0
  uint64_t counters[CS_STAT_MAX] = {};  // index: enum cs_stat
};

// Header for a recording starting now: clocks, `uname -r`, the given payload cap and agent version.
CaptureHeader capture_header_now(uint32_t payload_cap, std::string agent_version);

// Writes a capture file. Not thread-safe. Errors are returned (and kept in error()), never thrown.
class CaptureWriter {
 public:
  explicit CaptureWriter(size_t buffer_size = 1u << 20);
  ~CaptureWriter();  // closes without a trailer if finish() was not called
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Creates `path` private to its owner, as it holds payload (common/private_file.h: mode 0600, O_EXCL,
  // a symlink or another user's file refused, an own file truncated). Returns "" or e.g.
  // "cannot create /x/y.cscap: Permission denied".
  std::string open(const std::string& path);
  // Once, right after open().
  std::string write_header(const CaptureHeader& header);
  // One raw record of `size` bytes (a ring-buffer slot). Written trimmed to the bytes it uses, with its
  // header's size patched (common/record_layout.h). Returns false if the record is rejected (malformed
  // sizes or unknown type: the file would not read back; counted in rejected()) or if the file cannot be
  // written (error() set; every later call fails too).
  bool append(const void* record, size_t size);
  // A clock record: from `at_mono_ns` on the monotonic -> Unix offset is `mono_to_unix_ns`. Returns false
  // if the file cannot be written (error() set).
  bool append_clock(uint64_t at_mono_ns, int64_t mono_to_unix_ns);
  // Pushes the buffer to the file (e.g. once a second, so a killed recorder loses little).
  std::string flush();
  // Writes the trailer (records/end time filled in), flushes and closes. Returns "" or the error.
  std::string finish(CaptureTrailer trailer);

  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }  // file bytes so far, header included
  uint64_t rejected() const { return rejected_; }
  uint64_t clock_records() const { return clock_records_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  bool put(const void* data, size_t size);
  bool drain();

  int fd_ = -1;
  std::string path_;
  std::vector<uint8_t> buffer_;
  size_t used_ = 0;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t rejected_ = 0;
  uint64_t clock_records_ = 0;
  bool header_written_ = false;
  std::string error_;
};

// One record as read: points into the reader's buffer, valid until the next call to next().
struct CaptureRecord {
  const uint8_t* data = nullptr;
  size_t size = 0;
  uint64_t offset = 0;  // byte offset of the record's length prefix in the file
};

// Reads a capture file (or a capture held in memory) record by record, never trusting it.
class CaptureReader {
 public:
  CaptureReader();
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // Opens and validates the header. The file (or pipe) is read with read(2) in 256 KiB pieces (a file that
  // grows while it is read is read on; memory: one piece, or one record if larger). Returns false with
  // `error` set, e.g.
  //   "x.cscap: not a callscope capture (bad magic)"
  //   "x.cscap: capture format version 1 is not supported: this callscope reads format version 2; ..."
  //   "x.cscap: truncated capture: header incomplete (10 of 52 bytes)"
  bool open(const std::string& path, std::string& error);
  // Same over bytes in memory (copied); `name` is used in messages.
  bool open_memory(const void* data, size_t size, std::string& error, const std::string& name = "<memory>");

  const CaptureHeader& header() const { return header_; }

  // Called from next() for each clock record met before the record next() returns (in file order), with
  // its at_mono_ns and mono_to_unix_ns. Without a handler clock records are skipped.
  void set_clock_handler(std::function<void(uint64_t, int64_t)> handler) { clock_handler_ = std::move(handler); }

  // The next record; false at the end of the records (trailer or end of file) or at the first error
  // (then error() is set and says at which byte offset).
  bool next(CaptureRecord& record);

  const std::string& error() const { return error_; }
  // Valid once next() returned false without error and the file had a trailer.
  bool has_trailer() const { return has_trailer_; }
  const CaptureTrailer& trailer() const { return trailer_; }
  uint64_t records_read() const { return records_read_; }
  uint64_t clock_records_read() const { return clock_records_read_; }
  uint64_t offset() const { return file_offset_ + pos_; }  // bytes consumed so far

 private:
  bool parse_header(std::string& error);
  bool read_trailer(uint64_t at);
  bool read_clock_records();  // those at the read position, if any; false on a damaged one
  // Makes at least `n` bytes available at pos_ if the source has them; returns the bytes available.
  size_t ensure(size_t n);
  size_t ensure_read(size_t n);
  bool fail(std::string message);
  std::string read_error_;     // set when read(2) failed: reported instead of "truncated"

  int fd_ = -1;
  bool eof_ = false;           // the source has nothing more to give beyond data_[end_]
  std::string name_;
  std::vector<uint8_t> buffer_;
  const uint8_t* data_ = nullptr;  // the bytes at hand: buffer_.data()
  size_t pos_ = 0;             // read position in data_
  size_t end_ = 0;             // valid bytes in data_
  uint64_t file_offset_ = 0;   // file offset of data_[0]
  CaptureHeader header_;
  CaptureTrailer trailer_;
  bool has_trailer_ = false;
  bool done_ = false;
  uint64_t records_read_ = 0;
  uint64_t clock_records_read_ = 0;
  std::function<void(uint64_t, int64_t)> clock_handler_;
  std::string error_;
};

}  // namespace cs
