// CaptureReader: validates a capture file's header, then hands out its records one by one. Every length
// is checked against what is actually there before it is used.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "record/capture_file.h"
#include "record/little_endian.h"

namespace cs {

namespace {

// Bytes read at a time (more when one record does not fit): small enough to stay in the CPU's cache
// between the kernel's copy and the decoder's reads. read(2) into this buffer, not a moving mmap window:
// measured on the recorded nginx capture (706 MB), replay CPU 550 ms vs 919 ms with 256 KiB windows
// (mapping, populating and unmapping page tables costs more than the copy; docs/benchmarks.md).
constexpr size_t kReadChunk = 256u << 10;
constexpr size_t kPrefetchBytes = 512;  // of the next record: its struct and the start of its payload

}  // namespace

CaptureReader::CaptureReader() = default;

CaptureReader::~CaptureReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool CaptureReader::open(const std::string& path, std::string& error) {
  name_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    done_ = true;
    return false;
  }
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);  // fails harmlessly on a pipe
  buffer_.resize(kReadChunk);
  data_ = buffer_.data();
  return parse_header(error);
}

bool CaptureReader::open_memory(const void* data, size_t size, std::string& error, const std::string& name) {
  name_ = name;
  const auto* p = static_cast<const uint8_t*>(data);
  buffer_.assign(p, p + size);
  data_ = buffer_.data();
  end_ = size;
  eof_ = true;
  return parse_header(error);
}

size_t CaptureReader::ensure(size_t n) {
  if (end_ - pos_ >= n || eof_) return end_ - pos_;
  return ensure_read(n);
}

size_t CaptureReader::ensure_read(size_t n) {
  // Move the unread bytes to the front, grow if one record needs more, then fill.
  if (pos_ > 0) {
    std::memmove(buffer_.data(), data_ + pos_, end_ - pos_);
    file_offset_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (buffer_.size() < n) buffer_.resize(std::max(n, kReadChunk));
  data_ = buffer_.data();
  while (end_ < n) {
    const ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (got < 0) {
      if (errno == EINTR) continue;
      read_error_ = std::strerror(errno);
      eof_ = true;
      break;
    }
    if (got == 0) {
      eof_ = true;
      break;
    }
    end_ += static_cast<size_t>(got);
  }
  return end_ - pos_;
}

bool CaptureReader::fail(std::string message) {
  done_ = true;
  if (!read_error_.empty())
    error_ = name_ + ": read error at byte offset " + std::to_string(offset()) + ": " + read_error_;
  else
    error_ = name_ + ": " + std::move(message);
  return false;
}

bool CaptureReader::parse_header(std::string& error) {
  auto header_fail = [&](const std::string& message) {
    done_ = true;
    error = read_error_.empty() ? name_ + ": " + message : "cannot read " + name_ + ": " + read_error_;
    error_ = error;
    return false;
  };
  size_t avail = ensure(kCaptureMinHeaderSize);
  if (avail == 0) return header_fail("empty file, not a callscope capture");
  const uint8_t* p = data_ + pos_;
  const size_t magic_avail = std::min(avail, sizeof kCaptureMagic);
  if (std::memcmp(p, kCaptureMagic, magic_avail) != 0) return header_fail("not a callscope capture (bad magic)");
  if (avail < 16)
    return header_fail("truncated capture: header incomplete (" + std::to_string(avail) + " of at least " +
                       std::to_string(kCaptureMinHeaderSize) + " bytes)");

  const auto version = le::get<uint32_t>(p + 8);
  if (version == 0) return header_fail("corrupt capture header: format version 0");
  if (version > kCaptureFormatVersion)
    return header_fail("capture format version " + std::to_string(version) +
                       " is newer than this callscope reads (format version " +
                       std::to_string(kCaptureFormatVersion) + "); replay it with a newer callscope");
  if (version < kCaptureFormatVersion)
    return header_fail("capture format version " + std::to_string(version) +
                       " is not supported: this callscope reads format version " +
                       std::to_string(kCaptureFormatVersion) + " (event ABI " + std::to_string(CS_ABI_VERSION) +
                       ") only; record the capture again with this callscope");

  const auto header_size = le::get<uint32_t>(p + 12);
  if (header_size < kCaptureMinHeaderSize || header_size > kCaptureMaxHeaderSize)
    return header_fail("corrupt capture header: header size " + std::to_string(header_size) +
                       " out of range (" + std::to_string(kCaptureMinHeaderSize) + ".." +
                       std::to_string(kCaptureMaxHeaderSize) + ")");
  avail = ensure(header_size);
  if (avail < header_size)
    return header_fail("truncated capture: header incomplete (" + std::to_string(avail) + " of " +
                       std::to_string(header_size) + " bytes)");
  p = data_ + pos_;

  header_.format_version = version;
  header_.abi_version = le::get<uint32_t>(p + 16);
  header_.payload_cap = le::get<uint32_t>(p + 20);
  header_.mono_to_unix_ns = le::get<int64_t>(p + 24);
  header_.start_unix_ns = le::get<uint64_t>(p + 32);
  header_.start_mono_ns = le::get<uint64_t>(p + 40);
  size_t at = 48;
  for (std::string* s : {&header_.kernel_release, &header_.agent_version}) {
    if (at + 2 > header_size) return header_fail("corrupt capture header: strings overrun the header");
    const auto len = le::get<uint16_t>(p + at);
    at += 2;
    if (len > kCaptureMaxString || at + len > header_size)
      return header_fail("corrupt capture header: string of " + std::to_string(len) + " bytes at offset " +
                         std::to_string(at - 2) + " overruns the header");
    s->assign(reinterpret_cast<const char*>(p + at), len);
    at += len;
  }

  if (header_.abi_version != CS_ABI_VERSION) {
    const std::string recorder = header_.agent_version.empty() ? std::string("unknown") : header_.agent_version;
    return header_fail("capture was recorded with event ABI " + std::to_string(header_.abi_version) +
                       " (agent " + recorder + ") but this callscope reads event ABI " +
                       std::to_string(CS_ABI_VERSION) + " only; " +
                       (header_.abi_version < CS_ABI_VERSION
                            ? std::string("record the capture again with this callscope")
                            : std::string("replay it with a newer callscope")));
  }

  pos_ += header_size;
  return true;
}

bool CaptureReader::read_clock_records() {
  while (!done_) {
    const uint64_t at = offset();
    if (ensure(4) < 4 || le::get<uint32_t>(data_ + pos_) != kCaptureClockMarker) return true;
    size_t avail = ensure(8);
    if (avail < 8) return fail("truncated capture: clock record at byte offset " + std::to_string(at) + " is cut");
    const auto body = le::get<uint32_t>(data_ + pos_ + 4);
    if (body < kCaptureClockBody || body > kCaptureMaxClockBody)
      return fail("corrupt capture at byte offset " + std::to_string(at) + ": clock record size " +
                  std::to_string(body) + " out of range");
    avail = ensure(8 + size_t{body});
    if (avail < 8 + size_t{body})
      return fail("truncated capture: clock record at byte offset " + std::to_string(at) + " is cut (" +
                  std::to_string(avail - 8) + " of " + std::to_string(body) + " bytes)");
    const uint8_t* p = data_ + pos_ + 8;
    const auto at_mono = le::get<uint64_t>(p);
    const auto offset = le::get<int64_t>(p + 8);
    pos_ += 8 + size_t{body};
    ++clock_records_read_;
    if (clock_handler_) clock_handler_(at_mono, offset);
  }
  return true;
}

bool CaptureReader::next(CaptureRecord& record) {
  if (!read_clock_records()) return false;  // clock records before this record go to the handler
  if (done_) return false;
  const uint64_t at = offset();
  size_t avail = ensure(4);
  if (avail == 0) {
    done_ = true;  // end of records, no trailer (recorder did not finish)
    if (!read_error_.empty()) return fail("");
    return false;
  }
  if (avail < 4)
    return fail("truncated capture: record length cut at byte offset " + std::to_string(at) + " (" +
                std::to_string(avail) + " of 4 bytes)");
  const auto size = le::get<uint32_t>(data_ + pos_);
  if (size == kCaptureTrailerMarker) return read_trailer(at);
  if (size < sizeof(cs_event_header) || size > kCaptureMaxRecord)
    return fail("corrupt capture at byte offset " + std::to_string(at) + ": record length " +
                std::to_string(size) + " out of range (" + std::to_string(sizeof(cs_event_header)) + ".." +
                std::to_string(kCaptureMaxRecord) + ")");
  avail = ensure(4 + size_t{size});
  if (avail < 4 + size_t{size})
    return fail("truncated capture: record at byte offset " + std::to_string(at) + " is cut (" +
                std::to_string(avail - 4) + " of " + std::to_string(size) + " bytes)");
  const uint8_t* rec = data_ + pos_ + 4;
  uint32_t inner_size;
  std::memcpy(&inner_size, rec + offsetof(cs_event_header, size), sizeof inner_size);
  if (inner_size != size)
    return fail("corrupt capture at byte offset " + std::to_string(at) + ": record length " +
                std::to_string(size) + " but its event header says " + std::to_string(inner_size));
  record.data = rec;
  record.size = size;
  record.offset = at;
  pos_ += 4 + size_t{size};
  ++records_read_;
  // The next record's fixed part and first payload bytes (a message head) are needed right after this one
  // is processed: ask for them now, so that reading a big capture does not stall on memory record by record.
  for (size_t line = 0; line < kPrefetchBytes && pos_ + line < end_; line += 64) __builtin_prefetch(data_ + pos_ + line);
  return true;
}

bool CaptureReader::read_trailer(uint64_t at) {
  size_t avail = ensure(8);
  if (avail < 8) return fail("truncated capture: trailer at byte offset " + std::to_string(at) + " is cut");
  const auto body = le::get<uint32_t>(data_ + pos_ + 4);
  if (body < kCaptureMinTrailerBody || body > kCaptureMaxTrailerBody)
    return fail("corrupt capture at byte offset " + std::to_string(at) + ": trailer size " +
                std::to_string(body) + " out of range");
  avail = ensure(8 + size_t{body});
  if (avail < 8 + size_t{body})
    return fail("truncated capture: trailer at byte offset " + std::to_string(at) + " is cut (" +
                std::to_string(avail - 8) + " of " + std::to_string(body) + " bytes)");
  const uint8_t* p = data_ + pos_ + 8;
  CaptureTrailer t;
  t.records = le::get<uint64_t>(p);
  t.end_unix_ns = le::get<uint64_t>(p + 8);
  const auto count = le::get<uint32_t>(p + 16);
  if (count > (body - kCaptureMinTrailerBody) / 8)
    return fail("corrupt capture at byte offset " + std::to_string(at) + ": trailer claims " +
                std::to_string(count) + " counters in " + std::to_string(body) + " bytes");
  for (uint32_t i = 0; i < count && i < CS_STAT_MAX; ++i) t.counters[i] = le::get<uint64_t>(p + 20 + 8 * i);
  pos_ += 8 + size_t{body};
  if (t.records != records_read_)
    return fail("corrupt capture: trailer at byte offset " + std::to_string(at) + " says " +
                std::to_string(t.records) + " records, the file holds " + std::to_string(records_read_));
  if (ensure(1) != 0)
    return fail("corrupt capture: unexpected data after the trailer at byte offset " + std::to_string(offset()));
  if (!read_error_.empty()) return fail("");
  trailer_ = t;
  has_trailer_ = true;
  done_ = true;
  return false;
}

}  // namespace cs
