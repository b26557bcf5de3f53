// callscope_bench entry point.
//
//   callscope_bench [benchmark flags]                 run the Google Benchmark suite
//   callscope_bench --generate FILE [REQUESTS] [LOSS] write the generated HTTP traffic (http_traffic.h)
//                                                    as a capture file for `callscope replay FILE`;
//                                                    LOSS = share of data events dropped (e.g. 0.05)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/http_traffic.h"
#include "record/capture_file.h"

namespace {

int generate(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s --generate FILE [REQUESTS] [LOSS]\n", argv[0]);
    return 2;
  }
  cs::bench::TrafficConfig config;
  if (argc > 3) config.requests = static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 10));
  if (argc > 4) config.drop_share = std::strtod(argv[4], nullptr);
  if (config.requests == 0 || config.drop_share < 0 || config.drop_share >= 1) {
    std::fprintf(stderr, "--generate: REQUESTS must be > 0 and LOSS in [0, 1)\n");
    return 2;
  }
  const cs::bench::Traffic traffic = cs::bench::generate_http_traffic(config);
  cs::CaptureWriter writer;
  std::string error = writer.open(argv[2]);
  if (error.empty()) {
    cs::CaptureHeader header = cs::capture_header_now(config.payload_cap, "callscope_bench generator");
    header.start_mono_ns = traffic.first_ts_ns;
    error = writer.write_header(header);
  }
  for (size_t i = 0; error.empty() && i < traffic.records(); ++i)
    if (!writer.append(traffic.record(i), traffic.sizes[i]))
      error = writer.error().empty() ? "generated record " + std::to_string(i) + " rejected" : writer.error();
  if (error.empty()) error = writer.finish(cs::CaptureTrailer{});
  if (!error.empty()) {
    std::fprintf(stderr, "--generate: %s\n", error.c_str());
    return 1;
  }
  std::printf("generated %s: records=%zu data_events=%llu dropped_events=%llu http_requests=%llu bytes=%llu\n",
              argv[2], traffic.records(), static_cast<unsigned long long>(traffic.data_events),
              static_cast<unsigned long long>(traffic.dropped_events),
              static_cast<unsigned long long>(traffic.http_requests),
              static_cast<unsigned long long>(writer.bytes()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--generate") return generate(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
