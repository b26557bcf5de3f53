#include "cli/span_output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/private_file.h"
#include "sinks/json_sink.h"
#include "sinks/tree_sink.h"

namespace cs {

namespace {

// --format none: spans go to the metrics and exporters only.
class NoSpanOutput final : public SpanSink {
 public:
  void emit(const std::vector<Span>&) override {}
};

}  // namespace

SpanOutput::~SpanOutput() {
  sink.reset();
  if (owns_file && file != nullptr) std::fclose(file);
}

std::unique_ptr<SpanOutput> open_span_output(const Options& o, std::string& error) {
  auto out = std::make_unique<SpanOutput>();
  if (o.output.empty()) {
    out->file = stdout;
  } else {
    // Spans carry request paths and addresses: private like a capture (common/private_file.h).
    std::string why;
    const int fd = open_private_output(o.output, why);
    if (fd < 0) {
      error = "cannot write spans: " + why;
      return nullptr;
    }
    out->file = ::fdopen(fd, "w");
    if (out->file == nullptr) {
      error = "cannot write spans to " + o.output + ": " + std::strerror(errno);
      ::close(fd);
      return nullptr;
    }
    out->owns_file = true;
  }
  if (o.format == "none")
    out->sink = std::make_unique<NoSpanOutput>();
  else if (o.format == "json")
    out->sink = std::make_unique<JsonSink>(out->file);
  else
    out->sink = std::make_unique<TreeSink>(out->file, o.color && o.output.empty() && isatty(fileno(out->file)));
  return out;
}

}  // namespace cs
