// JSON lines sink: one JSON object per span per line, keys exactly as in the CLI contract, in this order:
//   trace_id, span_id, parent_span_id ("" for a root), kind, name, start_time_unix_nano,
//   end_time_unix_nano, service.name, process.pid, thread.id, status, attributes
// Strings from the wire are written as valid JSON whatever their bytes: control characters are escaped,
// invalid UTF-8 bytes become U+FFFD. Hot path: one reusable buffer, no per-span allocation once warm,
// one write per emitted trace.
#pragma once

#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "sinks/sink.h"

namespace cs {

class JsonSink : public SpanSink {
 public:
  explicit JsonSink(std::FILE* out);
  explicit JsonSink(std::ostream& out);
  ~JsonSink() override;
  JsonSink(const JsonSink&) = delete;
  JsonSink& operator=(const JsonSink&) = delete;

  void emit(const std::vector<Span>& spans) override;
  void flush() override;

  // Appends one span as a JSON line (with '\n') to `out`; what emit() does per span.
  void format(const Span& span, std::string& out);

  uint64_t spans_written() const { return spans_written_; }
  // Failed writes (e.g. disk full, closed pipe): counted, not fatal.
  uint64_t write_errors() const { return write_errors_; }

 private:
  struct Impl;  // RapidJSON writer and buffer, kept out of this header
  void write_out(const char* data, size_t size);

  std::FILE* file_ = nullptr;
  std::ostream* stream_ = nullptr;
  std::unique_ptr<Impl> impl_;
  uint64_t spans_written_ = 0;
  uint64_t write_errors_ = 0;
};

}  // namespace cs
