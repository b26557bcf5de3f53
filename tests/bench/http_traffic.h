// Synthetic keep-alive HTTP/1.1 traffic as raw kernel records, for the throughput benchmarks and for
// `callscope_bench --generate` (a capture file that `callscope replay` can time).
//
// Shape: a load generator ("wrk", 2 threads) keeps `connections` keep-alive connections to service A
// ("svc-a", one thread per connection). A forwards `chain_share` of the requests to service B ("svc-b")
// over one keep-alive upstream connection per A thread (client -> A -> B). Every process is traced, so
// both ends of every connection are in the records and cross-process linking runs. Requests are 200-800
// bytes with browser-like headers; responses carry 1-20 KB bodies of which only the first
// `payload_cap` bytes of each syscall are captured (len > captured), read back in 16 KB reads.
// Requests start every `request_interval_ns` (virtual time) on a random idle connection, so hundreds of
// connections interleave. Records are ordered by their exit timestamp, as a ring buffer would give them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cs::bench {

struct TrafficConfig {
  uint32_t connections = 400;            // client -> A keep-alive connections
  uint32_t requests = 20000;             // requests sent by the load generator
  double chain_share = 0.3;              // share of them that A forwards to B
  double drop_share = 0.0;               // share of data events left out (lost events -> stream gaps)
  uint32_t payload_cap = 4096;           // bytes captured per syscall
  uint64_t request_interval_ns = 40'000; // virtual time between request starts (25k requests/s)
  uint64_t seed = 1;
};

// Records laid out back to back (each starts with cs_event_header, 8-byte aligned).
struct Traffic {
  std::vector<uint8_t> bytes;
  std::vector<size_t> offsets;  // start of each record in `bytes`
  std::vector<uint32_t> sizes;
  uint64_t http_requests = 0;   // HTTP exchanges on the wire (client->A and A->B)
  uint64_t data_events = 0;     // data records kept
  uint64_t dropped_events = 0;  // data records left out (drop_share)
  uint64_t first_ts_ns = 0;
  uint64_t last_ts_ns = 0;

  size_t records() const { return offsets.size(); }
  const uint8_t* record(size_t i) const { return bytes.data() + offsets[i]; }
};

Traffic generate_http_traffic(const TrafficConfig& config);

}  // namespace cs::bench
