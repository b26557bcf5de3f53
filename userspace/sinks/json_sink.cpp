#include "sinks/json_sink.h"

#include <algorithm>
#include <cstring>

#include "sinks/span_json.h"

namespace cs {

namespace {

// Room for the threshold plus one span line of any usual size without growing.
constexpr size_t kInitialCapacity = JsonSink::kWriteThreshold + 16 * 1024;

}  // namespace

JsonSink::JsonSink(std::FILE* out) : file_(out) {}

JsonSink::JsonSink(std::ostream& out) : stream_(&out) {}

JsonSink::~JsonSink() { write_buffer(); }

void JsonSink::format(const Span& span, std::string& out) {
  const size_t at = out.size();
  out.resize(at + span_json_capacity(span));
  char* end = write_span_json(span, out.data() + at);
  out.resize(static_cast<size_t>(end - out.data()));
}

void JsonSink::write_out(const char* data, size_t size) {
  if (size == 0) return;
  if (file_) {
    if (std::fwrite(data, 1, size, file_) != size) ++write_errors_;
  } else if (stream_) {
    stream_->write(data, static_cast<std::streamsize>(size));
    if (!*stream_) ++write_errors_;
  }
}

void JsonSink::write_buffer() {
  write_out(buffer_.get(), used_);
  used_ = 0;
}

void JsonSink::emit(const std::vector<Span>& spans) {
  for (const Span& span : spans) {
    const size_t need = span_json_capacity(span);
    if (used_ + need > capacity_) {
      if (used_ > 0) write_buffer();
      if (need > capacity_) {  // first use, or one huge line
        capacity_ = std::max(need, kInitialCapacity);
        buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
      }
    }
    used_ = static_cast<size_t>(write_span_json(span, buffer_.get() + used_) - buffer_.get());
    ++spans_written_;
    if (used_ >= kWriteThreshold) write_buffer();
  }
}

void JsonSink::flush() {
  write_buffer();
  if (file_) {
    if (std::fflush(file_) != 0) ++write_errors_;
  } else if (stream_) {
    stream_->flush();
  }
}

}  // namespace cs
