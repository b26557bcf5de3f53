// The function table parser on synthetic tables of each layout (1.16/1.17, 1.18/1.19, 1.20+), on
// malformed ones, and on real binaries with random corruption (it must refuse or parse, never crash).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "runtimes/go/go_binary.h"
#include "runtimes/go/go_pclntab.h"

using namespace cs::go;

namespace {

struct Builder {
  std::vector<uint8_t> b;
  void u8(uint8_t v) { b.push_back(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void put_u64(size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  void put_u32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  void str(const char* s) { b.insert(b.end(), s, s + std::strlen(s) + 1); }
};

// A table with functions "main.a" [0x401000, 0x401040) and "main.b" [0x401040, 0x401100).
std::vector<uint8_t> make_table(uint32_t magic) {
  bool v118 = magic != 0xfffffffa;
  Builder t;
  t.u32(magic);
  t.u8(0);
  t.u8(0);
  t.u8(1);  // minLC
  t.u8(8);  // ptrSize
  t.u64(2);  // nfunc
  t.u64(0);  // nfiles
  if (v118) t.u64(0x401000);  // textStart
  size_t offs = t.b.size();
  for (int i = 0; i < 5; ++i) t.u64(0);  // funcname, cu, filetab, pctab, pcln offsets
  size_t funcnames = t.b.size();
  t.str("main.a");
  t.str("main.b");
  while (t.b.size() % 8) t.u8(0);
  size_t pcln = t.b.size();
  size_t entry_size = v118 ? 8 : 16;
  size_t funcs = pcln + 3 * entry_size;
  uint64_t entries[3] = {0x401000, 0x401040, 0x401100};
  for (int i = 0; i < 3; ++i) {
    uint64_t funcoff = funcs + (i < 2 ? i * 16 : 0) - pcln;
    if (v118) {
      t.u32(static_cast<uint32_t>(entries[i] - 0x401000));
      t.u32(static_cast<uint32_t>(funcoff));
    } else {
      t.u64(entries[i]);
      t.u64(funcoff);
    }
  }
  // _func records: entry (u32 off or uintptr), nameoff.
  for (int i = 0; i < 2; ++i) {
    if (v118) {
      t.u32(static_cast<uint32_t>(entries[i] - 0x401000));
      t.u32(i == 0 ? 0 : 7);
      t.u64(0);
    } else {
      t.u64(entries[i]);
      t.u32(i == 0 ? 0 : 7);
      t.u32(0);
    }
  }
  t.put_u64(offs + 0 * 8, funcnames);
  t.put_u64(offs + 4 * 8, pcln);
  return t.b;
}

class Layout : public ::testing::TestWithParam<uint32_t> {};

}  // namespace

TEST_P(Layout, ParsesNamesEntriesAndEnds) {
  auto bytes = make_table(GetParam());
  std::string why;
  auto t = GoFuncTable::parse(bytes, 0x500000, why);
  ASSERT_TRUE(t) << why;
  ASSERT_EQ(t->functions().size(), 2u);
  EXPECT_EQ(t->functions()[0].name, "main.a");
  EXPECT_EQ(t->functions()[0].entry, 0x401000u);
  EXPECT_EQ(t->functions()[0].end, 0x401040u);
  EXPECT_EQ(t->functions()[1].name, "main.b");
  EXPECT_EQ(t->functions()[1].end, 0x401100u);
  EXPECT_EQ(t->magic(), GetParam());
  EXPECT_NE(t->find("main.b"), nullptr);
  EXPECT_EQ(t->find("main.c"), nullptr);
}

TEST_P(Layout, RefusesTruncatedAndOversizedTables) {
  auto bytes = make_table(GetParam());
  std::string why;
  bool v118 = GetParam() != 0xfffffffa;
  size_t needed = bytes.size() - (v118 ? 8 : 4);  // the last _func's fields after nameoff are not read
  for (size_t keep = 0; keep < needed; ++keep) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
    EXPECT_FALSE(GoFuncTable::parse(cut, 0, why)) << "kept " << keep;
  }
  auto huge = bytes;
  for (int i = 0; i < 8; ++i) huge[8 + i] = 0xff;  // nfunc
  EXPECT_FALSE(GoFuncTable::parse(huge, 0, why));
  auto bad_name = bytes;  // main.b's nameoff far past the end of the table
  std::memset(bad_name.data() + bad_name.size() - (v118 ? 12 : 8), 0x7f, 4);
  EXPECT_FALSE(GoFuncTable::parse(bad_name, 0, why));
  // The end sentinel (third functab entry) before main.b's entry: main.b would end before it starts.
  auto backwards = bytes;
  uint64_t pcln = 0;
  std::memcpy(&pcln, bytes.data() + (v118 ? 64 : 56), 8);
  size_t sentinel = pcln + 2 * (v118 ? 8 : 16);
  if (v118) backwards[sentinel] = 0x10, backwards[sentinel + 1] = 0;  // entryoff 0x10 < 0x40
  else backwards[sentinel + 1] = 0x00;   // entry 0x400000 + low byte < 0x401040
  EXPECT_FALSE(GoFuncTable::parse(backwards, 0, why));
}

INSTANTIATE_TEST_SUITE_P(GoPclntab, Layout, ::testing::Values(0xfffffffau, 0xfffffff0u, 0xfffffff1u));

TEST(GoPclntab, UnknownMagicOrPointerSize) {
  std::string why;
  auto bytes = make_table(0xfffffff0);
  auto other = bytes;
  other[0] = 0xfb;  // Go 1.2-1.15 layout: not read
  EXPECT_FALSE(GoFuncTable::parse(other, 0, why));
  other = bytes;
  other[7] = 4;  // 32-bit pointers
  EXPECT_FALSE(GoFuncTable::parse(other, 0, why));
}

TEST(GoBinaryAnalysis, RandomCorruptionNeverCrashes) {
  const std::string src = std::string(CALLSCOPE_GO_TEST_BIN_DIR) + "/callchain_nocgo_stripped";
  std::ifstream f(src, std::ios::binary);
  std::vector<uint8_t> orig{std::istreambuf_iterator<char>(f), {}};
  ASSERT_GT(orig.size(), 1u << 20);
  std::mt19937_64 rng(20261128);
  const std::string path = ::testing::TempDir() + "/callscope_go_fuzzed";
  int understood = 0;
  for (int round = 0; round < 40; ++round) {
    auto bytes = orig;
    // Flip bytes in the first 4 KiB (headers) and anywhere (tables, code).
    for (int i = 0; i < 16; ++i) bytes[rng() % 4096] ^= static_cast<uint8_t>(rng());
    for (int i = 0; i < 64; ++i) bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(rng());
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    GoBinaryInfo info = analyse_go_binary(path);
    if (!info.understood) {
      EXPECT_FALSE(info.reason.empty());
      continue;
    }
    ++understood;
    for (const auto& site : info.probes) {
      EXPECT_LT(site.probe_offset, bytes.size());
      for (uint64_t off : site.ret_offsets) EXPECT_LT(off, bytes.size());
    }
  }
  std::remove(path.c_str());
  RecordProperty("understood_after_corruption", understood);
}
