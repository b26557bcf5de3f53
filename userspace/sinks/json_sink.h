// JSON lines sink: one JSON object per span per line (sinks/span_json.h: keys, order, escaping).
// Hot path: lines are formatted straight into one reusable buffer (no allocation once it has grown) and
// written out in blocks: when the buffer holds kWriteThreshold bytes, and on flush(). So a line
// reaches the output at the latest on the next flush() (the live agent flushes at every idle tick, at
// most every ~100 ms; the pipeline flushes at its end).
#pragma once

#include <cstdio>
#include <memory>
#include <ostream>
#include <string>

#include "sinks/sink.h"

namespace cs {

class JsonSink : public SpanSink {
 public:
  static constexpr size_t kWriteThreshold = 64 * 1024;

  explicit JsonSink(std::FILE* out);
  explicit JsonSink(std::ostream& out);
  ~JsonSink() override;  // writes what is still buffered (no flush of the FILE/stream itself)
  JsonSink(const JsonSink&) = delete;
  JsonSink& operator=(const JsonSink&) = delete;

  void emit(const std::vector<Span>& spans) override;
  // Writes the buffered lines and flushes the FILE / stream.
  void flush() override;

  // Appends one span as a JSON line (with '\n') to `out`; what emit() does per span.
  void format(const Span& span, std::string& out);

  uint64_t spans_written() const { return spans_written_; }
  // Failed writes (e.g. disk full, closed pipe): counted, not fatal.
  uint64_t write_errors() const { return write_errors_; }

 private:
  void write_buffer();
  void write_out(const char* data, size_t size);

  std::FILE* file_ = nullptr;
  std::ostream* stream_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t used_ = 0;
  uint64_t spans_written_ = 0;
  uint64_t write_errors_ = 0;
};

}  // namespace cs
