#include "sinks/json_sink.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <variant>

#include "sinks/json_string.h"

namespace cs {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Flush the buffer to the output once it holds this much (a huge trace still goes out in pieces).
constexpr size_t kFlushThreshold = 256 * 1024;

void hex_bytes(const uint8_t* bytes, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xf];
  }
}

void hex_u64(uint64_t v, char* out) {
  for (int i = 15; i >= 0; --i) {
    out[i] = kHexDigits[v & 0xf];
    v >>= 4;
  }
}

}  // namespace

struct JsonSink::Impl {
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};

  // Wire text (any bytes). The writer places the separator and tracks the object state (a raw value of
  // length 0 emits only the ',' or ':' before it); the string itself is encoded by json_quote() in one
  // pass straight into the buffer: RapidJSON's own String() neither replaces invalid UTF-8 (it can only
  // reject it) nor is it fast on short strings.
  void write_string(std::string_view s) {
    writer_.RawValue("", 0, rapidjson::kStringType);
    const size_t cap = json_quote_capacity(s.size());
    char* out = buffer_.Push(cap);
    const size_t used = json_quote(s, out);
    buffer_.Pop(cap - used);
  }
  void write_key(std::string_view key) { write_string(key); }
  void append_span(const Span& span);
};

JsonSink::JsonSink(std::FILE* out) : file_(out), impl_(std::make_unique<Impl>()) {}

JsonSink::JsonSink(std::ostream& out) : stream_(&out), impl_(std::make_unique<Impl>()) {}

JsonSink::~JsonSink() = default;

void JsonSink::Impl::append_span(const Span& span) {
  writer_.Reset(buffer_);
  writer_.StartObject();

  char hex[32];
  write_key("trace_id");
  hex_bytes(span.trace_id.bytes, 16, hex);
  write_string(std::string_view(hex, 32));

  write_key("span_id");
  hex_u64(span.span_id, hex);
  write_string(std::string_view(hex, 16));

  write_key("parent_span_id");
  if (span.parent_span_id == 0) {
    write_string({});
  } else {
    hex_u64(span.parent_span_id, hex);
    write_string(std::string_view(hex, 16));
  }

  write_key("kind");
  write_string(span.kind == SpanKind::Client ? "client" : "server");
  write_key("name");
  write_string(span.name);
  write_key("start_time_unix_nano");
  writer_.Uint64(span.start_unix_ns);
  write_key("end_time_unix_nano");
  writer_.Uint64(span.end_unix_ns);
  write_key("service.name");
  write_string(span.service);
  write_key("process.pid");
  writer_.Uint(span.pid);
  write_key("thread.id");
  writer_.Uint(span.tid);
  write_key("status");
  write_string(span.error ? "error" : "ok");

  write_key("attributes");
  writer_.StartObject();
  for (const Attribute& a : span.attributes) {
    write_key(a.key);
    if (const auto* i = std::get_if<int64_t>(&a.value))
      writer_.Int64(*i);
    else
      write_string(std::get<std::string>(a.value));
  }
  writer_.EndObject();

  writer_.EndObject();
  buffer_.Put('\n');
}

void JsonSink::format(const Span& span, std::string& out) {
  auto& buffer = impl_->buffer_;
  buffer.Clear();
  impl_->append_span(span);
  out.append(buffer.GetString(), buffer.GetSize());
  buffer.Clear();
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

void JsonSink::emit(const std::vector<Span>& spans) {
  auto& buffer = impl_->buffer_;
  buffer.Clear();
  for (const Span& span : spans) {
    impl_->append_span(span);
    ++spans_written_;
    if (buffer.GetSize() >= kFlushThreshold) {
      write_out(buffer.GetString(), buffer.GetSize());
      buffer.Clear();
    }
  }
  write_out(buffer.GetString(), buffer.GetSize());
  buffer.Clear();
}

void JsonSink::flush() {
  if (file_) {
    if (std::fflush(file_) != 0) ++write_errors_;
  } else if (stream_) {
    stream_->flush();
  }
}

}  // namespace cs
