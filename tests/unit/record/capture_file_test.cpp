#include "record/capture_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "support/event_builder.h"

namespace cs {
namespace {

using test::Record;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/cs_capture_test_XXXXXX";
    const char* d = mkdtemp(tmpl);
    EXPECT_NE(d, nullptr);
    dir_ = d ? d : "/tmp";
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) std::perror("rm");
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<Record> sample_records(size_t n) {
  test::Proc client{200, 201, "curl"};
  test::Proc server{300, 300, "python3"};
  const auto t = test::tuple(test::v4("127.0.0.1", 51000), test::v4("127.0.0.1", 8080));
  std::vector<Record> out;
  uint64_t ts = 1'000'000;
  for (size_t i = 0; out.size() < n; ++i) {
    const uint64_t sock = 0xffff888000000000ull + i;
    out.push_back(test::conn_open(client, ts++, 5, t, sock));
    const std::string req = "GET /item/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    out.push_back(test::data(client, ts, ts + 1, 5, CS_ROLE_CLIENT, CS_DIR_EGRESS, t, sock, 1000, req));
    ts += 2;
    out.push_back(test::data(server, ts, ts + 1, 7, CS_ROLE_SERVER, CS_DIR_INGRESS, test::reversed(t), sock + 1,
                             1000, req, 0, CS_SYS_READ));
    ts += 2;
    out.push_back(test::data(server, ts, ts + 1, 7, CS_ROLE_SERVER, CS_DIR_EGRESS, test::reversed(t), sock + 1,
                             9000, std::string(i % 7 == 0 ? 5000 : 40, 'r'), 20000));
    out.push_back(test::conn_close(client, ts++, t, sock));
    if (i % 10 == 9) out.push_back(test::proc_exit(client, ts++));
  }
  out.resize(n);
  return out;
}

CaptureHeader sample_header() {
  CaptureHeader h = capture_header_now(4096, "callscope 0.1.0-test");
  return h;
}

std::string write_capture(const std::string& path, const std::vector<Record>& records, bool trailer,
                          CaptureTrailer t = {}) {
  CaptureWriter w(64 * 1024);  // small buffer: exercises several drains
  std::string err = w.open(path);
  EXPECT_EQ(err, "");
  EXPECT_EQ(w.write_header(sample_header()), "");
  for (const auto& r : records) EXPECT_TRUE(w.append(r.data(), r.size()));
  EXPECT_EQ(w.records(), records.size());
  if (trailer)
    EXPECT_EQ(w.finish(t), "");
  else
    EXPECT_EQ(w.flush(), "");  // as a killed recorder leaves it after its last flush
  return read_all(path);
}

// Size of the header that write_capture() writes.
size_t header_size_of(const std::string& bytes) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + 12, 4);
  return v;
}

// Reads every record; returns the error (or "").
std::string read_records(CaptureReader& reader, std::vector<Record>& out) {
  CaptureRecord rec;
  while (reader.next(rec)) out.emplace_back(rec.data, rec.data + rec.size);
  return reader.error();
}

std::string open_error_for_bytes(const std::string& bytes) {
  CaptureReader reader;
  std::string error;
  EXPECT_FALSE(reader.open_memory(bytes.data(), bytes.size(), error, "x.cscap"));
  CaptureRecord rec;
  EXPECT_FALSE(reader.next(rec)) << "a reader that failed to open yields no records";
  return error;
}

TEST(CaptureFile, RoundTripKeepsEveryRecordByteForByteAndTheHeaderAndTrailer) {
  TempDir dir;
  const auto records = sample_records(2000);
  CaptureTrailer t;
  t.counters[CS_STAT_EVENTS] = 2000;
  t.counters[CS_STAT_RINGBUF_DROPS] = 17;
  t.counters[CS_STAT_TRUNCATED] = 3;
  t.counters[CS_STAT_TRUNCATED_BYTES] = 45000;
  t.counters[CS_STAT_READ_ERRORS] = 2;
  t.end_unix_ns = 1714557600999000000ull;
  const std::string path = dir.path("a.cscap");
  const std::string bytes = write_capture(path, records, true, t);

  size_t payload = 0;
  for (const auto& r : records) payload += 4 + r.size();
  const size_t trailer_size = 8 + 20 + 8 * CS_STAT_MAX;
  EXPECT_EQ(bytes.size(), header_size_of(bytes) + payload + trailer_size) << "compact: no padding";
  EXPECT_EQ(bytes.substr(0, 8), "CSCAPTUR");

  CaptureReader reader;
  std::string error;
  ASSERT_TRUE(reader.open(path, error)) << error;
  const CaptureHeader& h = reader.header();
  EXPECT_EQ(h.format_version, kCaptureFormatVersion);
  EXPECT_EQ(h.abi_version, static_cast<uint32_t>(CS_ABI_VERSION));
  EXPECT_EQ(h.payload_cap, 4096u);
  EXPECT_EQ(h.agent_version, "callscope 0.1.0-test");
  EXPECT_FALSE(h.kernel_release.empty());
  EXPECT_NE(h.mono_to_unix_ns, 0);
  EXPECT_EQ(static_cast<int64_t>(h.start_unix_ns), static_cast<int64_t>(h.start_mono_ns) + h.mono_to_unix_ns);

  std::vector<Record> got;
  EXPECT_EQ(read_records(reader, got), "");
  ASSERT_EQ(got.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) ASSERT_EQ(got[i], records[i]) << "record " << i;
  ASSERT_TRUE(reader.has_trailer());
  EXPECT_EQ(reader.trailer().records, 2000u);
  EXPECT_EQ(reader.trailer().end_unix_ns, 1714557600999000000ull);
  for (int i = 0; i < CS_STAT_MAX; ++i) EXPECT_EQ(reader.trailer().counters[i], t.counters[i]) << i;
  EXPECT_EQ(reader.offset(), bytes.size());

  // Same from memory.
  CaptureReader mem;
  ASSERT_TRUE(mem.open_memory(bytes.data(), bytes.size(), error)) << error;
  std::vector<Record> got2;
  EXPECT_EQ(read_records(mem, got2), "");
  EXPECT_EQ(got2, records);
  EXPECT_TRUE(mem.has_trailer());
}

TEST(CaptureFile, RecordOffsetsPointAtLengthPrefixes) {
  TempDir dir;
  const auto records = sample_records(3);
  const std::string bytes = write_capture(dir.path("o.cscap"), records, true);
  CaptureReader reader;
  std::string error;
  ASSERT_TRUE(reader.open_memory(bytes.data(), bytes.size(), error)) << error;
  CaptureRecord rec;
  uint64_t expect = header_size_of(bytes);
  for (const auto& r : records) {
    ASSERT_TRUE(reader.next(rec));
    EXPECT_EQ(rec.offset, expect);
    expect += 4 + r.size();
  }
}

TEST(CaptureFile, WithoutTrailerAllRecordsAreReadAndNoErrorIsReported) {
  TempDir dir;
  const auto records = sample_records(50);
  const std::string path = dir.path("killed.cscap");
  {
    CaptureWriter w;
    ASSERT_EQ(w.open(path), "");
    ASSERT_EQ(w.write_header(sample_header()), "");
    for (const auto& r : records) ASSERT_TRUE(w.append(r.data(), r.size()));
    // destroyed without finish(): the recorder was killed after its last flush
  }
  CaptureReader reader;
  std::string error;
  ASSERT_TRUE(reader.open(path, error)) << error;
  std::vector<Record> got;
  EXPECT_EQ(read_records(reader, got), "");
  EXPECT_EQ(got, records);
  EXPECT_FALSE(reader.has_trailer());
}

TEST(CaptureFile, LargeRecordsAcrossReadChunksRoundTrip) {
  TempDir dir;
  test::Proc p;
  const auto t = test::tuple(test::v4("10.0.0.1", 1), test::v4("10.0.0.2", 2));
  std::vector<Record> records;
  for (int i = 0; i < 300; ++i)  // ~300 * 16 KiB = 4.8 MiB: several 1 MiB reader chunks
    records.push_back(test::data(p, i, i + 1, 3, CS_ROLE_CLIENT, CS_DIR_EGRESS, t, 9, i,
                                 std::string(CS_MAX_PAYLOAD - (i % 5), static_cast<char>('a' + i % 26))));
  const std::string path = dir.path("big.cscap");
  write_capture(path, records, true);
  CaptureReader reader;
  std::string error;
  ASSERT_TRUE(reader.open(path, error)) << error;
  std::vector<Record> got;
  EXPECT_EQ(read_records(reader, got), "");
  EXPECT_EQ(got, records);
  EXPECT_TRUE(reader.has_trailer());
}

// Files are read in 256 KiB pieces; a record larger than a piece, records across piece edges and the end
// of the file read back the same, from a regular file and through a pipe (short reads).
TEST(CaptureFile, FilesAndPipesReadTheSameRecordsAcrossReadPieces) {
  TempDir dir;
  test::Proc p;
  const auto t = test::tuple(test::v4("10.0.0.1", 1), test::v4("10.0.0.2", 2));
  std::vector<Record> records;
  for (int i = 0; i < 40; ++i) {
    const size_t payload = i == 7 ? kCaptureMaxRecord - sizeof(cs_data_event) : 100000 + 4093 * i;
    records.push_back(test::data(p, i, i + 1, 3, CS_ROLE_CLIENT, CS_DIR_EGRESS, t, 9, i,
                                 std::string(payload, static_cast<char>('a' + i % 26))));
  }
  const std::string path = dir.path("windows.cscap");
  const std::string bytes = write_capture(path, records, true);
  ASSERT_GT(bytes.size(), 5u << 20);

  CaptureReader file;
  std::string error;
  ASSERT_TRUE(file.open(path, error)) << error;
  std::vector<Record> got;
  EXPECT_EQ(read_records(file, got), "");
  EXPECT_EQ(got, records);
  EXPECT_TRUE(file.has_trailer());
  EXPECT_EQ(file.offset(), bytes.size());

  // Cut in the middle of a record far from the start: the error names the same offset as before.
  write_all(dir.path("cut.cscap"), bytes.substr(0, bytes.size() - 300000));
  CaptureReader cut;
  ASSERT_TRUE(cut.open(dir.path("cut.cscap"), error)) << error;
  got.clear();
  EXPECT_NE(read_records(cut, got).find("is cut"), std::string::npos);
  EXPECT_EQ(got.size(), records.size() - 2);  // the last two records were in the cut 300 000 bytes
  EXPECT_TRUE(std::equal(got.begin(), got.end(), records.begin()));

  const std::string fifo = dir.path("pipe");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { write_all(fifo, bytes); });
  CaptureReader piped;
  ASSERT_TRUE(piped.open(fifo, error)) << error;
  got.clear();
  EXPECT_EQ(read_records(piped, got), "");
  writer.join();
  EXPECT_EQ(got, records);
  EXPECT_TRUE(piped.has_trailer());
}

TEST(CaptureFile, WriterRejectsRecordsThatWouldNotReadBack) {
  TempDir dir;
  CaptureWriter w;
  ASSERT_EQ(w.open(dir.path("r.cscap")), "");
  ASSERT_EQ(w.write_header(sample_header()), "");
  Record r = sample_records(1)[0];
  EXPECT_FALSE(w.append(r.data(), 8)) << "shorter than an event header";
  Record bad = r;
  reinterpret_cast<cs_event_header*>(bad.data())->size += 1;
  EXPECT_FALSE(w.append(bad.data(), bad.size())) << "header.size beyond the record";
  EXPECT_TRUE(w.append(r.data(), r.size())) << "a rejected record does not poison the writer";
  EXPECT_EQ(w.rejected(), 2u);
  EXPECT_EQ(w.records(), 1u);
  EXPECT_EQ(w.finish({}), "");
}

TEST(CaptureFile, WriterOpenErrorIsActionable) {
  CaptureWriter w;
  EXPECT_EQ(w.open("/nonexistent-dir/x.cscap"), "cannot create /nonexistent-dir/x.cscap: No such file or directory");
  Record r = sample_records(1)[0];
  EXPECT_FALSE(w.append(r.data(), r.size()));
}

TEST(CaptureFile, WriterReportsWriteErrors) {
  // /dev/full accepts open() but every write fails with ENOSPC.
  if (access("/dev/full", W_OK) != 0) GTEST_FAIL() << "/dev/full is needed for this test";
  CaptureWriter w(4096);
  ASSERT_EQ(w.open("/dev/full"), "");
  ASSERT_EQ(w.write_header(sample_header()), "");
  Record r = sample_records(1)[0];
  bool failed = false;
  for (int i = 0; i < 1000 && !failed; ++i) failed = !w.append(r.data(), r.size());
  EXPECT_TRUE(failed);
  EXPECT_EQ(w.error(), "cannot write /dev/full: No space left on device");
  EXPECT_EQ(w.finish({}), "cannot write /dev/full: No space left on device");
}

TEST(CaptureFile, MissingFile) {
  CaptureReader reader;
  std::string error;
  EXPECT_FALSE(reader.open("/nonexistent-dir/x.cscap", error));
  EXPECT_EQ(error, "cannot open /nonexistent-dir/x.cscap: No such file or directory");
}

TEST(CaptureFile, EmptyFile) {
  TempDir dir;
  write_all(dir.path("empty.cscap"), "");
  CaptureReader reader;
  std::string error;
  EXPECT_FALSE(reader.open(dir.path("empty.cscap"), error));
  EXPECT_EQ(error, dir.path("empty.cscap") + ": empty file, not a callscope capture");
}

TEST(CaptureFile, BadMagic) {
  EXPECT_EQ(open_error_for_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(60, 'x')),
            "x.cscap: not a callscope capture (bad magic)");
  EXPECT_EQ(open_error_for_bytes("CSX"), "x.cscap: not a callscope capture (bad magic)");
}

TEST(CaptureFile, FutureFormatVersion) {
  TempDir dir;
  std::string bytes = write_capture(dir.path("v.cscap"), sample_records(3), true);
  bytes[8] = 3;
  EXPECT_EQ(open_error_for_bytes(bytes),
            "x.cscap: capture format version 3 is newer than this callscope reads (format version 2); replay it "
            "with a newer callscope");
}

// Captures of format 1 (event ABI 1, syscall-level capture) cannot be replayed: the record layouts
// changed. The error names both versions and says what to do.
TEST(CaptureFile, OldFormatVersionIsRefusedWithWhatToDo) {
  TempDir dir;
  std::string bytes = write_capture(dir.path("v1.cscap"), sample_records(3), true);
  bytes[8] = 1;
  bytes[16] = 1;
  EXPECT_EQ(open_error_for_bytes(bytes),
            "x.cscap: capture format version 1 is not supported: this callscope reads format version 2 (event "
            "ABI 2) only; record the capture again with this callscope");
  // And through a file, as `callscope replay` opens it.
  write_all(dir.path("v1b.cscap"), bytes);
  CaptureReader reader;
  std::string error;
  EXPECT_FALSE(reader.open(dir.path("v1b.cscap"), error));
  EXPECT_NE(error.find("format version 1 is not supported"), std::string::npos) << error;
}

TEST(CaptureFile, AbiMismatch) {
  TempDir dir;
  std::string bytes = write_capture(dir.path("abi.cscap"), sample_records(3), true);
  bytes[16] = CS_ABI_VERSION + 1;
  EXPECT_EQ(open_error_for_bytes(bytes),
            "x.cscap: capture was recorded with event ABI " + std::to_string(CS_ABI_VERSION + 1) +
                " (agent callscope 0.1.0-test) but this callscope reads event ABI " + std::to_string(CS_ABI_VERSION) +
                " only; replay it with a newer callscope");
  bytes[16] = CS_ABI_VERSION - 1;
  EXPECT_EQ(open_error_for_bytes(bytes),
            "x.cscap: capture was recorded with event ABI " + std::to_string(CS_ABI_VERSION - 1) +
                " (agent callscope 0.1.0-test) but this callscope reads event ABI " + std::to_string(CS_ABI_VERSION) +
                " only; record the capture again with this callscope");
}

// Ring-buffer slots are fixed-size: a record's hdr.size may cover padding after what it uses. The writer
// keeps only the used bytes (struct + captured payload) and patches hdr.size, so padding never reaches a
// file; a record whose sizes do not hold together is rejected.
TEST(CaptureFile, WriterTrimsSlotPadding) {
  TempDir dir;
  test::Proc p;
  const auto t = test::tuple(test::v4("127.0.0.1", 51000), test::v4("127.0.0.1", 8080));
  const std::string payload = "GET /padded HTTP/1.1\r\nHost: x\r\n\r\n";
  const Record exact = test::data(p, 0, 10, 5, CS_ROLE_CLIENT, CS_DIR_EGRESS, t, 9, 1000, payload);
  const Record padded = test::data(p, 0, 10, 5, CS_ROLE_CLIENT, CS_DIR_EGRESS, t, 9, 1000, payload, 0, CS_SYS_WRITE,
                                   4096 - sizeof(cs_data_event) - payload.size());
  ASSERT_EQ(padded.size(), 4096u);
  Record open_padded = test::conn_open(p, 5, 4, t, 9);
  open_padded.resize(open_padded.size() + 64, 0xee);
  reinterpret_cast<cs_event_header*>(open_padded.data())->size = static_cast<uint32_t>(open_padded.size());
  const std::string path = dir.path("pad.cscap");
  const std::string bytes = write_capture(path, {open_padded, padded}, true);
  CaptureReader reader;
  std::string error;
  ASSERT_TRUE(reader.open(path, error)) << error;
  std::vector<Record> got;
  EXPECT_EQ(read_records(reader, got), "");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], test::conn_open(p, 5, 4, t, 9)) << "trimmed to the struct, hdr.size patched";
  EXPECT_EQ(got[1], exact) << "trimmed to struct + captured, hdr.size patched";
  EXPECT_EQ(bytes.find(std::string(16, '\xa5')), std::string::npos) << "no padding byte reached the file";

  CaptureWriter w;
  ASSERT_EQ(w.open(dir.path("bad.cscap")), "");
  ASSERT_EQ(w.write_header(sample_header()), "");
  Record lying = padded;
  reinterpret_cast<cs_data_event*>(lying.data())->captured = 5000;  // more than the slot holds
  EXPECT_FALSE(w.append(lying.data(), lying.size()));
  Record unknown = exact;
  reinterpret_cast<cs_event_header*>(unknown.data())->type = 99;
  EXPECT_FALSE(w.append(unknown.data(), unknown.size()));
  Record oversized = exact;
  reinterpret_cast<cs_event_header*>(oversized.data())->size = static_cast<uint32_t>(exact.size() + 1);
  EXPECT_FALSE(w.append(oversized.data(), oversized.size())) << "hdr.size beyond the bytes handed over";
  EXPECT_EQ(w.rejected(), 3u);
  EXPECT_EQ(w.finish({}), "");
}

// The capture holds payload bytes: only its owner may read it, even when it replaces a readable file.
TEST(CaptureFile, CaptureFileIsPrivateToItsOwner) {
  TempDir dir;
  const std::string path = dir.path("private.cscap");
  write_all(path, "old contents");
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  write_capture(path, sample_records(3), true);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string fresh = dir.path("fresh.cscap");
  write_capture(fresh, sample_records(3), true);
  ASSERT_EQ(stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(CaptureFile, TruncatedHeader) {
  TempDir dir;
  const std::string bytes = write_capture(dir.path("h.cscap"), sample_records(3), true);
  const size_t hs = header_size_of(bytes);
  EXPECT_EQ(open_error_for_bytes(bytes.substr(0, 5)),
            "x.cscap: truncated capture: header incomplete (5 of at least 52 bytes)");
  EXPECT_EQ(open_error_for_bytes(bytes.substr(0, 30)),
            "x.cscap: truncated capture: header incomplete (30 of " + std::to_string(hs) + " bytes)");
  EXPECT_EQ(open_error_for_bytes(bytes.substr(0, hs - 1)),
            "x.cscap: truncated capture: header incomplete (" + std::to_string(hs - 1) + " of " +
                std::to_string(hs) + " bytes)");
  // And through a real file too.
  write_all(dir.path("h2.cscap"), bytes.substr(0, 30));
  CaptureReader reader;
  std::string error;
  EXPECT_FALSE(reader.open(dir.path("h2.cscap"), error));
  EXPECT_NE(error.find("truncated capture: header incomplete"), std::string::npos) << error;
}

TEST(CaptureFile, CorruptHeaderFields) {
  TempDir dir;
  const std::string good = write_capture(dir.path("c.cscap"), sample_records(3), true);
  std::string bytes = good;
  bytes[12] = 10;  // header_size below the minimum
  bytes[13] = bytes[14] = bytes[15] = 0;
  EXPECT_EQ(open_error_for_bytes(bytes), "x.cscap: corrupt capture header: header size 10 out of range (52..4096)");
  bytes = good;
  bytes[48] = static_cast<char>(200);  // kernel release length past the limit
  EXPECT_NE(open_error_for_bytes(bytes).find("corrupt capture header: string of 200 bytes"), std::string::npos);
  bytes = good;
  bytes[8] = 0;
  EXPECT_EQ(open_error_for_bytes(bytes), "x.cscap: corrupt capture header: format version 0");
}

struct Corrupted {
  std::string bytes;
  size_t good_records;  // records readable before the corruption
  uint64_t offset;      // byte offset of the corrupted record
  size_t record_size;   // its true size
};

// Capture of 5 records; `mutate` gets the bytes and the offset of record 3 (index 2).
template <typename F>
Corrupted corrupt_third_record(F mutate) {
  TempDir dir;
  const auto records = sample_records(5);
  std::string bytes = write_capture(dir.path("c.cscap"), records, false);
  const size_t at = header_size_of(bytes) + 4 + records[0].size() + 4 + records[1].size();
  mutate(bytes, at);
  return {bytes, 2, at, records[2].size()};
}

std::string read_error_for(const Corrupted& c) {
  CaptureReader reader;
  std::string error;
  EXPECT_TRUE(reader.open_memory(c.bytes.data(), c.bytes.size(), error, "x.cscap")) << error;
  std::vector<Record> got;
  const std::string err = read_records(reader, got);
  EXPECT_EQ(got.size(), c.good_records) << "records before the corruption are delivered";
  EXPECT_FALSE(reader.has_trailer());
  CaptureRecord rec;
  EXPECT_FALSE(reader.next(rec)) << "reading stops at the first error";
  return err;
}

TEST(CaptureFile, TruncatedRecord) {
  const Corrupted c = corrupt_third_record([](std::string& b, size_t at) { b.resize(at + 4 + 10); });
  EXPECT_EQ(read_error_for(c), "x.cscap: truncated capture: record at byte offset " + std::to_string(c.offset) +
                                    " is cut (10 of " + std::to_string(c.record_size) + " bytes)");
  const Corrupted cut_len = corrupt_third_record([](std::string& b, size_t at) { b.resize(at + 3); });
  EXPECT_EQ(read_error_for(cut_len), "x.cscap: truncated capture: record length cut at byte offset " +
                                         std::to_string(cut_len.offset) + " (3 of 4 bytes)");
}

TEST(CaptureFile, HugeRecordLength) {
  const Corrupted c = corrupt_third_record([](std::string& b, size_t at) {
    const uint32_t huge = (1u << 20) + 1;
    std::memcpy(b.data() + at, &huge, 4);
  });
  EXPECT_EQ(read_error_for(c), "x.cscap: corrupt capture at byte offset " + std::to_string(c.offset) +
                                   ": record length 1048577 out of range (48..1048576)");
  const Corrupted tiny = corrupt_third_record([](std::string& b, size_t at) {
    const uint32_t small = sizeof(cs_event_header) - 1;
    std::memcpy(b.data() + at, &small, 4);
  });
  EXPECT_EQ(read_error_for(tiny), "x.cscap: corrupt capture at byte offset " + std::to_string(tiny.offset) +
                                      ": record length 47 out of range (48..1048576)");
}

TEST(CaptureFile, InnerHeaderSizeMismatch) {
  const Corrupted c = corrupt_third_record([](std::string& b, size_t at) {
    const uint32_t wrong = 41;
    std::memcpy(b.data() + at + 4 + offsetof(cs_event_header, size), &wrong, 4);
  });
  EXPECT_EQ(read_error_for(c), "x.cscap: corrupt capture at byte offset " + std::to_string(c.offset) +
                                   ": record length " + std::to_string(c.record_size) +
                                   " but its event header says 41");
}

TEST(CaptureFile, CorruptTrailer) {
  TempDir dir;
  const auto records = sample_records(4);
  const std::string good = write_capture(dir.path("t.cscap"), records, true);
  auto read_err = [](const std::string& bytes) {
    CaptureReader reader;
    std::string error;
    EXPECT_TRUE(reader.open_memory(bytes.data(), bytes.size(), error, "x.cscap"));
    std::vector<Record> got;
    std::string e = read_records(reader, got);
    EXPECT_EQ(got.size(), 4u);
    EXPECT_FALSE(reader.has_trailer());
    return e;
  };
  EXPECT_NE(read_err(good + "x").find("unexpected data after the trailer"), std::string::npos);
  EXPECT_NE(read_err(good.substr(0, good.size() - 3)).find("truncated capture: trailer at byte offset"),
            std::string::npos);
  std::string wrong_count = good;
  const size_t trailer_at = good.size() - (8 + 20 + 8 * CS_STAT_MAX);
  wrong_count[trailer_at + 8] = 9;  // records field
  EXPECT_NE(read_err(wrong_count).find("says 9 records, the file holds 4"), std::string::npos);
}

}  // namespace
}  // namespace cs
