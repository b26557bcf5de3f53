// Fuzz target: arbitrary bytes as a capture file. The reader must reject or read them without crashing
// and without reading past its buffer; every record it hands out must be self-consistent.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "record/capture_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cs::CaptureReader reader;
  std::string error;
  if (!reader.open_memory(data, size, error)) {
    if (error.empty()) std::abort();  // a failed open always says why
    return 0;
  }
  cs::CaptureRecord rec;
  uint64_t last_offset = 0;
  uint64_t sum = 0;
  while (reader.next(rec)) {
    if (rec.size < sizeof(cs_event_header) || rec.size > cs::kCaptureMaxRecord) std::abort();
    if (rec.offset + 4 + rec.size > size || rec.offset < last_offset) std::abort();
    uint32_t inner;
    std::memcpy(&inner, rec.data + offsetof(cs_event_header, size), sizeof inner);
    if (inner != rec.size) std::abort();
    // Touch every byte so a sanitizer sees any out-of-bounds view.
    for (size_t i = 0; i < rec.size; ++i) sum += rec.data[i];
    last_offset = rec.offset;
  }
  if (reader.offset() > size) std::abort();
  if (reader.has_trailer() && !reader.error().empty()) std::abort();
  volatile uint64_t sink = sum + reader.header().kernel_release.size();
  (void)sink;
  return 0;
}
