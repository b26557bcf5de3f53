// Opens the span sink the options ask for (tree or JSON lines, to stdout or a file).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "cli/options.h"
#include "sinks/sink.h"

namespace cs {

struct SpanOutput {
  std::FILE* file = nullptr;
  bool owns_file = false;
  std::unique_ptr<SpanSink> sink;
  ~SpanOutput();
};

// Returns nullptr with `error` set when the output file cannot be opened.
std::unique_ptr<SpanOutput> open_span_output(const Options& o, std::string& error);

}  // namespace cs
