// Throughput of the span sinks and the capture file writer/reader (hot paths of `callscope` and
// `callscope record` / `replay`).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "record/capture_file.h"
#include "sinks/json_sink.h"
#include "sinks/tree_sink.h"
#include "support/event_builder.h"

namespace {

std::vector<cs::Span> trace_of(size_t n) {
  std::vector<cs::Span> spans;
  for (size_t i = 0; i < n; ++i) {
    cs::Span s;
    for (int b = 0; b < 16; ++b) s.trace_id.bytes[b] = static_cast<uint8_t>(b * 7 + 1);
    s.span_id = 0x1000 + i;
    s.parent_span_id = i == 0 ? 0 : 0x1000 + i - 1;
    s.kind = i % 2 ? cs::SpanKind::Server : cs::SpanKind::Client;
    s.name = "GET /api/v1/users/12345";
    s.start_unix_ns = 1714557600123456789ull + i * 1000;
    s.end_unix_ns = s.start_unix_ns + 5'000'000 - i * 2000;
    s.service = "python3";
    s.pid = 4100;
    s.tid = 4101;
    s.attributes = {{"http.request.method", std::string("GET")},
                    {"url.path", std::string("/api/v1/users/12345")},
                    {"http.response.status_code", int64_t{200}},
                    {"server.address", std::string("127.0.0.1")},
                    {"server.port", int64_t{8080}},
                    {"client.address", std::string("127.0.0.1")},
                    {"client.port", int64_t{51234}},
                    {"network.protocol.name", std::string("http")},
                    {"network.protocol.version", std::string("1.1")}};
    spans.push_back(std::move(s));
  }
  return spans;
}

void BM_JsonSink(benchmark::State& state) {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  cs::JsonSink sink(devnull);
  const auto spans = trace_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) sink.emit(spans);
  sink.flush();
  std::fclose(devnull);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_JsonSink)->Arg(1)->Arg(3)->Arg(20);

void BM_TreeSink(benchmark::State& state) {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  cs::TreeSink sink(devnull, false);
  const auto spans = trace_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) sink.emit(spans);
  std::fclose(devnull);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TreeSink)->Arg(3);

cs::test::Record sample_record() {
  cs::test::Proc p;
  const auto t = cs::test::tuple(cs::test::v4("127.0.0.1", 51000), cs::test::v4("127.0.0.1", 8080));
  return cs::test::data(p, 1, 2, 5, CS_ROLE_CLIENT, CS_DIR_EGRESS, t, 7, 1,
                        "GET /api/v1/users/12345 HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n");
}

void BM_CaptureWrite(benchmark::State& state) {
  cs::CaptureWriter w;
  w.open("/dev/null");
  w.write_header(cs::capture_header_now(4096, "bench"));
  const auto r = sample_record();
  for (auto _ : state) w.append(r.data(), r.size());
  w.finish({});
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(r.size() + 4));
}
BENCHMARK(BM_CaptureWrite);

void BM_CaptureRead(benchmark::State& state) {
  char path[] = "/tmp/cs_bench_capture_XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  const auto r = sample_record();
  const int n = 200000;
  {
    cs::CaptureWriter w;
    w.open(path);
    w.write_header(cs::capture_header_now(4096, "bench"));
    for (int i = 0; i < n; ++i) w.append(r.data(), r.size());
    w.finish({});
  }
  for (auto _ : state) {
    cs::CaptureReader reader;
    std::string error;
    reader.open(path, error);
    cs::CaptureRecord rec;
    size_t bytes = 0;
    while (reader.next(rec)) bytes += rec.size;
    benchmark::DoNotOptimize(bytes);
  }
  unlink(path);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_CaptureRead)->Unit(benchmark::kMillisecond);

}  // namespace
