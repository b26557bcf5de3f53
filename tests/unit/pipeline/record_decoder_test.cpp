// The size and field rules a raw record must pass before any stage reads it (ABI 2: hdr.size may exceed
// what the record uses, never what was handed over).
#include "pipeline/record_decoder.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "common/record_layout.h"
#include "support/event_builder.h"
#include "support/go_event_builder.h"

namespace cs {
namespace {

using test::Record;

const cs_tuple kTuple = test::tuple(test::v4("127.0.0.1", 40000), test::v4("127.0.0.1", 80));
const test::Proc kProc{1, 1, "p"};

Record data_record(size_t padding = 0) {
  return test::data(kProc, 0, 10, 3, CS_ROLE_CLIENT, CS_DIR_EGRESS, kTuple, 7, 1, "GET / HTTP/1.1\r\n\r\n", 0,
                    CS_SYS_WRITE, padding);
}

uint32_t type_of(const Record& r) { return decode_record_type(r.data(), r.size()); }

TEST(RecordDecoder, WellFormedRecordsOfEveryType) {
  EXPECT_EQ(type_of(data_record()), uint32_t{CS_EV_DATA});
  EXPECT_EQ(type_of(test::conn_open(kProc, 1, 3, kTuple, 7)), uint32_t{CS_EV_CONN_OPEN});
  EXPECT_EQ(type_of(test::conn_close(kProc, 1, kTuple, 7)), uint32_t{CS_EV_CONN_CLOSE});
  EXPECT_EQ(type_of(test::proc_exit(kProc, 1)), uint32_t{CS_EV_PROC_EXIT});
  EXPECT_EQ(record_used_bytes(data_record().data(), data_record().size()), data_record().size());
}

TEST(RecordDecoder, SlotPaddingIsAllowed) {
  const Record padded = data_record(1000);
  EXPECT_EQ(type_of(padded), uint32_t{CS_EV_DATA});
  EXPECT_EQ(record_used_bytes(padded.data(), padded.size()), data_record().size());
  Record open = test::conn_open(kProc, 1, 3, kTuple, 7);
  open.resize(256, 0);
  reinterpret_cast<cs_event_header*>(open.data())->size = 256;
  EXPECT_EQ(type_of(open), uint32_t{CS_EV_CONN_OPEN});
  EXPECT_EQ(record_used_bytes(open.data(), open.size()), sizeof(cs_conn_event));
  // The slot handed over may also be larger than hdr.size.
  Record longer = data_record();
  longer.resize(longer.size() + 64, 0);
  EXPECT_EQ(type_of(longer), uint32_t{CS_EV_DATA});
}

TEST(RecordDecoder, MalformedSizesAreRejected) {
  const Record good = data_record(16);
  EXPECT_EQ(decode_record_type(good.data(), sizeof(cs_event_header) - 1), 0u) << "shorter than a header";
  EXPECT_EQ(decode_record_type(good.data(), good.size() - 1), 0u) << "hdr.size beyond the bytes handed over";
  Record r = good;
  reinterpret_cast<cs_event_header*>(r.data())->size = sizeof(cs_data_event) - 1;
  EXPECT_EQ(type_of(r), 0u) << "hdr.size smaller than the struct";
  r = good;
  reinterpret_cast<cs_data_event*>(r.data())->captured += 17;  // past hdr.size (16 bytes of padding)
  EXPECT_EQ(type_of(r), 0u) << "captured bytes past hdr.size";
  Record open = test::conn_open(kProc, 1, 3, kTuple, 7);
  reinterpret_cast<cs_event_header*>(open.data())->size = sizeof(cs_conn_event) - 8;
  EXPECT_EQ(type_of(open), 0u);
  r = good;
  reinterpret_cast<cs_event_header*>(r.data())->type = 0;
  EXPECT_EQ(type_of(r), 0u) << "type 0 names nothing";
}

// A type this build does not know (a newer producer's) with a whole header: skipped by its size, counted
// apart from malformed records.
TEST(RecordDecoder, UnknownTypesAreSkippedBySize) {
  Record r = data_record(16);
  reinterpret_cast<cs_event_header*>(r.data())->type = 42;
  EXPECT_EQ(type_of(r), kUnknownRecordType);
  reinterpret_cast<cs_event_header*>(r.data())->type = 71;  // past the Go types
  EXPECT_EQ(type_of(r), kUnknownRecordType);
  EXPECT_EQ(record_used_bytes(r.data(), r.size()), 0u) << "the capture writer keeps only what it knows";
  EXPECT_EQ(decode_record_type(r.data(), r.size() - 1), 0u) << "hdr.size beyond the bytes handed over";
  reinterpret_cast<cs_event_header*>(r.data())->size = sizeof(cs_event_header) - 1;
  EXPECT_EQ(type_of(r), 0u) << "hdr.size shorter than a header";
}

TEST(RecordDecoder, GoRuntimeRecords) {
  const Record np = test::go_newproc(kProc, 1, 1, 2);
  EXPECT_EQ(type_of(np), uint32_t{CS_EV_GO_NEWPROC});
  EXPECT_EQ(record_used_bytes(np.data(), np.size()), sizeof(cs_go_newproc_event));
  for (uint32_t t = CS_EV_GO_HTTP_ROUNDTRIP; t <= CS_EV_GO_HTTP_READ_DONE; ++t) {
    Record h = test::go_http(kProc, 1, t, 7, 0x1000);
    EXPECT_EQ(type_of(h), t);
    reinterpret_cast<cs_event_header*>(h.data())->size = sizeof(cs_go_http_event) - 8;
    EXPECT_EQ(type_of(h), 0u) << "shorter than its struct";
  }
  Record short_np = np;
  reinterpret_cast<cs_event_header*>(short_np.data())->size = sizeof(cs_go_newproc_event) - 8;
  EXPECT_EQ(type_of(short_np), 0u);
}

// Go records from a capture file (any alignment) are copied whole into the aligned struct; an unknown type
// is reported as such (not malformed) at any alignment.
TEST(RecordDecoder, MisalignedGoAndUnknownRecords) {
  const Record http = test::go_http(kProc, 1, CS_EV_GO_HTTP_WRITE, 7, 0x1000);
  Record unknown = data_record(16);
  reinterpret_cast<cs_event_header*>(unknown.data())->type = 71;
  for (size_t offset : {0, 1, 4}) {
    std::vector<uint64_t> storage(http.size() / 8 + unknown.size() / 8 + 4);
    auto* at = reinterpret_cast<uint8_t*>(storage.data()) + offset;
    std::memcpy(at, http.data(), http.size());
    RecordDecoder decoder;
    const DecodedRecord r = decoder.decode(at, http.size());
    ASSERT_EQ(r.type, uint32_t{CS_EV_GO_HTTP_WRITE}) << offset;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r.fixed) % 8, 0u);
    EXPECT_EQ(std::memcmp(r.fixed, http.data(), sizeof(cs_go_http_event)), 0) << offset;
    std::memcpy(at, unknown.data(), unknown.size());
    const DecodedRecord u = decoder.decode(at, unknown.size());
    EXPECT_EQ(u.type, kUnknownRecordType) << offset;
    EXPECT_EQ(u.fixed, nullptr);
  }
}

TEST(RecordDecoder, FieldsTheStagesRelyOn) {
  Record r = data_record();
  reinterpret_cast<cs_data_event*>(r.data())->sock.sock_id = 0;
  EXPECT_EQ(type_of(r), 0u) << "no socket";
  r = data_record();
  reinterpret_cast<cs_data_event*>(r.data())->len = 0;
  EXPECT_EQ(type_of(r), 0u) << "moved nothing";
  r = data_record();
  reinterpret_cast<cs_data_event*>(r.data())->len = 3;
  EXPECT_EQ(type_of(r), 0u) << "captured more than it moved";
  r = data_record();
  reinterpret_cast<cs_data_event*>(r.data())->direction = 3;
  EXPECT_EQ(type_of(r), 0u) << "no such direction";
  Record close = test::conn_close(kProc, 1, kTuple, 0);
  EXPECT_EQ(type_of(close), 0u) << "a close names its socket";
}

// Capture files hand records over at any alignment: the decoder gives an aligned struct (a copy of the
// fixed part) and the payload where it lies, and applies the same rules.
TEST(RecordDecoder, MisalignedRecordsAreDecodedWithoutCopyingThePayload) {
  const Record good = data_record(8);
  for (size_t offset : {0, 1, 3, 4}) {
    std::vector<uint64_t> storage(good.size() / 8 + 2);
    auto* at = reinterpret_cast<uint8_t*>(storage.data()) + offset;
    std::memcpy(at, good.data(), good.size());
    RecordDecoder decoder;
    const DecodedRecord r = decoder.decode(at, good.size());
    ASSERT_EQ(r.type, uint32_t{CS_EV_DATA}) << offset;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r.fixed) % 8, 0u);
    EXPECT_EQ(r.fixed == at, offset == 0) << "aligned records are used in place";
    EXPECT_EQ(std::memcmp(r.fixed, good.data(), sizeof(cs_data_event)), 0);
    EXPECT_EQ(r.payload, at + sizeof(cs_data_event)) << "the payload is read where it lies";
    EXPECT_EQ(r.as<cs_data_event>().captured, 18u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.payload), 18), "GET / HTTP/1.1\r\n\r\n");

    // Same rules as for aligned records.
    EXPECT_EQ(decoder.decode(at, good.size() - 1).type, 0u) << "hdr.size beyond the bytes handed over";
    std::memcpy(at + offsetof(cs_data_event, len), "\0\0\0\0", 4);
    EXPECT_EQ(decoder.decode(at, good.size()).type, 0u) << "moved nothing";
  }
  const Record open = test::conn_open(kProc, 1, 3, kTuple, 7);
  std::vector<uint64_t> storage(open.size() / 8 + 2);
  auto* at = reinterpret_cast<uint8_t*>(storage.data()) + 4;
  std::memcpy(at, open.data(), open.size());
  RecordDecoder decoder;
  const DecodedRecord r = decoder.decode(at, open.size());
  ASSERT_EQ(r.type, uint32_t{CS_EV_CONN_OPEN});
  EXPECT_EQ(r.as<cs_conn_event>().sock.sock_id, 7u);
  EXPECT_EQ(r.payload, nullptr);
}

}  // namespace
}  // namespace cs
