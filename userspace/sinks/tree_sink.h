// Human-readable sink: each emitted trace as an indented tree.
//
//   trace 4bf92f3577b34da6a3ce929d0e0e4736  2024-05-01 12:00:00.123
//   └─ client curl[4242] GET /users 200 ok 12.34 ms
//      └─ server python3[4100] GET /users 200 ok 10.02 ms
//         └─ client python3[4100] GET /db 500 ERROR: connection reset before response 3.10 ms
//
// Spans whose parent is not in the batch (late spans, a remote parent from a traceparent header) are
// printed at top level with "(parent <id>)" or "(remote parent <id>)". Siblings are sorted by start
// time. Text from the wire is sanitized (invalid UTF-8 -> U+FFFD, control characters -> '?').
#pragma once

#include <cstdio>
#include <string>

#include "sinks/sink.h"

namespace cs {

class TreeSink : public SpanSink {
 public:
  TreeSink(std::FILE* out, bool color);

  void emit(const std::vector<Span>& spans) override;
  void flush() override;

  // The text emit() writes for one batch.
  std::string render(const std::vector<Span>& spans);

  uint64_t write_errors() const { return write_errors_; }

 private:
  void render_span(const Span& span, const std::string& prefix, bool last, bool top_level,
                   std::string& out);

  std::FILE* out_;
  bool color_;
  std::string scratch_;
  uint64_t write_errors_ = 0;
};

}  // namespace cs
