// CaptureWriter and capture_header_now(); the reader is in capture_reader.cpp.
#include "record/capture_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>

#include "common/private_file.h"
#include "common/record_layout.h"
#include "record/little_endian.h"

namespace cs {

namespace {

int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void put_string(std::string& out, const std::string& s) {
  const size_t n = std::min(s.size(), kCaptureMaxString);
  le::put<uint16_t>(out, static_cast<uint16_t>(n));
  out.append(s.data(), n);
}

}  // namespace

CaptureHeader capture_header_now(uint32_t payload_cap, std::string agent_version) {
  CaptureHeader h;
  h.payload_cap = payload_cap;
  h.agent_version = std::move(agent_version);
  // Realtime read between two monotonic reads: the offset is good to about the cost of one call.
  const int64_t mono_a = clock_ns(CLOCK_MONOTONIC);
  const int64_t real = clock_ns(CLOCK_REALTIME);
  const int64_t mono_b = clock_ns(CLOCK_MONOTONIC);
  const int64_t mono = mono_a + (mono_b - mono_a) / 2;
  h.mono_to_unix_ns = real - mono;
  h.start_unix_ns = static_cast<uint64_t>(real);
  h.start_mono_ns = static_cast<uint64_t>(mono);
  utsname u{};
  if (uname(&u) == 0) h.kernel_release = u.release;
  return h;
}

CaptureWriter::CaptureWriter(size_t buffer_size) : buffer_(std::max<size_t>(buffer_size, 4096)) {}

CaptureWriter::~CaptureWriter() {
  if (fd_ >= 0) {
    drain();
    ::close(fd_);
  }
}

std::string CaptureWriter::open(const std::string& path) {
  if (fd_ >= 0) return error_ = "capture writer already open on " + path_;
  path_ = path;
  std::string error;
  fd_ = open_private_output(path, error);  // 0600, no symlink, see common/private_file.h
  if (fd_ < 0) return error_ = error;
  error_.clear();
  return "";
}

std::string CaptureWriter::write_header(const CaptureHeader& header) {
  if (fd_ < 0) return error_.empty() ? error_ = "capture writer is not open" : error_;
  if (header_written_) return "capture header already written to " + path_;
  std::string h;
  h.append(kCaptureMagic, sizeof kCaptureMagic);
  le::put<uint32_t>(h, kCaptureFormatVersion);
  le::put<uint32_t>(h, 0);  // header_size, patched below
  le::put<uint32_t>(h, header.abi_version);
  le::put<uint32_t>(h, header.payload_cap);
  le::put<int64_t>(h, header.mono_to_unix_ns);
  le::put<uint64_t>(h, header.start_unix_ns);
  le::put<uint64_t>(h, header.start_mono_ns);
  put_string(h, header.kernel_release);
  put_string(h, header.agent_version);
  std::string size;
  le::put<uint32_t>(size, static_cast<uint32_t>(h.size()));
  h.replace(12, 4, size);
  header_written_ = true;
  if (!put(h.data(), h.size())) return error_;
  return "";
}

bool CaptureWriter::append(const void* record, size_t size) {
  if (fd_ < 0 || !error_.empty()) return false;
  if (!header_written_) {
    error_ = "capture writer: append() before write_header()";
    return false;
  }
  const size_t used = record_used_bytes(record, size);
  if (used == 0 || used > kCaptureMaxRecord) {
    ++rejected_;
    return false;
  }
  cs_event_header h;
  std::memcpy(&h, record, sizeof h);
  h.size = static_cast<uint32_t>(used);
  const uint8_t prefix[4] = {static_cast<uint8_t>(used), static_cast<uint8_t>(used >> 8),
                             static_cast<uint8_t>(used >> 16), static_cast<uint8_t>(used >> 24)};
  if (!put(prefix, sizeof prefix) || !put(&h, sizeof h) ||
      !put(static_cast<const uint8_t*>(record) + sizeof h, used - sizeof h))
    return false;
  ++records_;
  return true;
}

bool CaptureWriter::append_clock(uint64_t at_mono_ns, int64_t mono_to_unix_ns) {
  if (fd_ < 0 || !error_.empty()) return false;
  if (!header_written_) {
    error_ = "capture writer: append_clock() before write_header()";
    return false;
  }
  std::string c;
  le::put<uint32_t>(c, kCaptureClockMarker);
  le::put<uint32_t>(c, static_cast<uint32_t>(kCaptureClockBody));
  le::put<uint64_t>(c, at_mono_ns);
  le::put<int64_t>(c, mono_to_unix_ns);
  if (!put(c.data(), c.size())) return false;
  ++clock_records_;
  return true;
}

bool CaptureWriter::put(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    if (used_ == buffer_.size() && !drain()) return false;
    const size_t n = std::min(size, buffer_.size() - used_);
    std::memcpy(buffer_.data() + used_, p, n);
    used_ += n;
    p += n;
    size -= n;
    bytes_ += n;
  }
  return true;
}

bool CaptureWriter::drain() {
  if (!error_.empty()) return false;
  size_t done = 0;
  while (done < used_) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, used_ - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = "cannot write " + path_ + ": " + std::strerror(errno);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  used_ = 0;
  return true;
}

std::string CaptureWriter::flush() {
  if (fd_ < 0) return error_.empty() ? "capture writer is not open" : error_;
  drain();
  return error_;
}

std::string CaptureWriter::finish(CaptureTrailer trailer) {
  if (fd_ < 0) return error_.empty() ? "capture writer is not open" : error_;
  trailer.records = records_;
  if (trailer.end_unix_ns == 0) trailer.end_unix_ns = static_cast<uint64_t>(clock_ns(CLOCK_REALTIME));
  std::string t;
  le::put<uint32_t>(t, kCaptureTrailerMarker);
  le::put<uint32_t>(t, static_cast<uint32_t>(kCaptureMinTrailerBody + 8 * CS_STAT_MAX));
  le::put<uint64_t>(t, trailer.records);
  le::put<uint64_t>(t, trailer.end_unix_ns);
  le::put<uint32_t>(t, CS_STAT_MAX);
  for (uint64_t c : trailer.counters) le::put<uint64_t>(t, c);
  if (error_.empty()) {
    put(t.data(), t.size());
    drain();
  }
  if (::close(fd_) != 0 && error_.empty()) error_ = "cannot write " + path_ + ": " + std::strerror(errno);
  fd_ = -1;
  return error_;
}

}  // namespace cs
