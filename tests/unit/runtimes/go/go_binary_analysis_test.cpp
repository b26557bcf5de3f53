// Analysis of real Go binaries (tests/integration/go/callchain, built by CMake with Debian's go1.19 in
// four variants: with/without cgo, with/without -ldflags=-s -w), checked against the Go toolchain's
// own view of them: `go version`, `go tool nm` (symbols) and `go tool objdump` (instructions). The
// stripped variants have no symbols for the tools, so they are checked against their unstripped sibling
// after asserting that both have byte-identical .text.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtimes/go/elf_image.h"
#include "runtimes/go/go_binary.h"
#include "runtimes/go/go_build_info.h"
#include "runtimes/go/go_layout.h"
#include "runtimes/go/go_pclntab.h"

namespace fs = std::filesystem;
using namespace cs::go;

namespace {

std::string bin(const std::string& variant) { return std::string(CALLSCOPE_GO_TEST_BIN_DIR) + "/callchain_" + variant; }

// Output of a shell command; the test fails when it exits non-zero.
std::string run(const std::string& cmd) {
  std::string full = "GOCACHE=/tmp/callscope-go-unit-cache GOFLAGS= " + cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  EXPECT_NE(p, nullptr) << cmd;
  if (!p) return {};
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out.substr(0, 2000);
  return out;
}

std::string regex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::strchr(".()*[]+?^$|{}\\", c)) out += '\\';
    out += c;
  }
  return out;
}

// `go tool nm`: name -> address of text symbols.
std::map<std::string, uint64_t> nm_text(const std::string& path) {
  std::map<std::string, uint64_t> out;
  std::istringstream in(run("go tool nm " + path));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string addr, type, name;
    if (!(l >> addr >> type)) continue;
    if (type != "T" && type != "t") continue;
    std::getline(l >> std::ws, name);  // names may hold spaces: "type..eq.struct { a int }"
    out[name] = std::stoull(addr, nullptr, 16);
  }
  return out;
}

struct ObjdumpInsn {
  uint64_t addr;
  std::string text;
};

// `go tool objdump -s '^name$'`: the function's instructions.
std::vector<ObjdumpInsn> objdump(const std::string& path, const std::string& func) {
  std::vector<ObjdumpInsn> out;
  std::istringstream in(run("go tool objdump -s '^" + regex_escape(func) + "$' " + path));
  std::string line;
  static const std::regex re(R"(^\s+\S+\s+0x([0-9a-f]+)\s+[0-9a-f]+\s+(.*)$)");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, re)) out.push_back({std::stoull(m[1].str(), nullptr, 16), m[2].str()});
  return out;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string sibling(const std::string& variant) {
  auto pos = variant.find("_stripped");
  return pos == std::string::npos ? variant : variant.substr(0, pos);
}

class GoBinaryVariant : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(GoBinaryVariant, VersionIsWhatGoVersionSays) {
  GoBinaryInfo info = analyse_go_binary(bin(GetParam()));
  ASSERT_TRUE(info.is_go) << info.reason;
  std::string out = run("go version " + bin(GetParam()));
  EXPECT_EQ(out, bin(GetParam()) + ": " + info.version.text + "\n");
  EXPECT_EQ(info.version.major, 1);
  EXPECT_GE(info.version.minor, 19);
}

TEST_P(GoBinaryVariant, UnderstoodWithEveryProbe) {
  GoBinaryInfo info = analyse_go_binary(bin(GetParam()));
  ASSERT_TRUE(info.understood) << info.reason;
  EXPECT_TRUE(info.absent.empty());
  ASSERT_EQ(info.probes.size(), 4u);
  EXPECT_TRUE(info.read_response_has_request);
}

TEST_P(GoBinaryVariant, EveryFunctionEntryMatchesGoToolNm) {
  const std::string variant = GetParam();
  const std::string truth = bin(sibling(variant));
  std::string why;
  auto elf = ElfImage::open(bin(variant), why);
  ASSERT_TRUE(elf) << why;
  if (sibling(variant) != variant) {
    auto sib = ElfImage::open(truth, why);
    ASSERT_TRUE(sib) << why;
    ASSERT_TRUE(elf->section(".text") && sib->section(".text"));
    // -s -w moves data (addresses inside instructions change) but not code: same .text place and size.
    ASSERT_EQ(elf->section(".text")->addr, sib->section(".text")->addr)
        << "stripped and unstripped builds place code differently: the sibling is no ground truth";
    ASSERT_EQ(elf->section(".text")->size, sib->section(".text")->size);
  }
  auto table = GoFuncTable::read(*elf, why);
  ASSERT_TRUE(table) << why;
  auto nm = nm_text(truth);
  ASSERT_GT(nm.size(), 1000u);
  std::set<uint64_t> nm_addrs;
  for (const auto& [name, addr] : nm) nm_addrs.insert(addr);
  // Every function starts where a symbol starts; names agree except where the runtime abbreviates
  // array lengths and type arguments as "[...]" (generics, type..eq of arrays).
  size_t named = 0, matched = 0, at_symbol = 0;
  std::vector<std::string> wrong;
  for (const GoFunction& f : table->functions()) {
    if (nm_addrs.count(f.entry)) ++at_symbol;
    if (f.name.find("[...]") != std::string::npos) continue;
    ++named;
    // Assembly functions are "name.abi0" in .symtab ("name" is then their ABIInternal wrapper).
    // The pclntab keeps the middle dot of compiler-made names ("dialResult·1"), .symtab has '.'.
    static const std::regex middle_dot("\xC2\xB7");
    std::string name = std::regex_replace(f.name, middle_dot, ".");
    auto it = nm.find(name);
    auto abi0 = nm.find(name + ".abi0");
    if ((it != nm.end() && it->second == f.entry) || (abi0 != nm.end() && abi0->second == f.entry)) ++matched;
    else if (wrong.size() < 5) wrong.push_back(f.name);
  }
  EXPECT_EQ(at_symbol, table->functions().size());
  EXPECT_EQ(matched, named) << "first mismatches: " << ::testing::PrintToString(wrong);
  EXPECT_GT(named, table->functions().size() * 9 / 10);
}

TEST_P(GoBinaryVariant, ProbeSitesMatchGoToolObjdump) {
  const std::string variant = GetParam();
  GoBinaryInfo info = analyse_go_binary(bin(variant));
  ASSERT_TRUE(info.understood) << info.reason;
  auto file = read_file(bin(variant));
  auto nm = nm_text(bin(sibling(variant)));
  for (const GoProbeSite& site : info.probes) {
    const std::string name = go_probe_function(site.kind);
    SCOPED_TRACE(name);
    EXPECT_EQ(site.entry, nm.at(name));
    auto insns = objdump(bin(sibling(variant)), name);
    ASSERT_GT(insns.size(), 3u);
    ASSERT_EQ(insns.front().addr, site.entry);
    // RETs: exactly the ones objdump shows, and a 0xc3 byte at each file offset.
    std::vector<uint64_t> rets;
    for (const auto& in : insns)
      if (in.text.rfind("RET", 0) == 0) rets.push_back(in.addr);
    EXPECT_EQ(site.ret_vaddrs, rets);
    ASSERT_EQ(site.ret_offsets.size(), site.ret_vaddrs.size());
    for (uint64_t off : site.ret_offsets) {
      ASSERT_LT(off, file.size());
      EXPECT_EQ(file[off], 0xc3) << "file offset " << off;
    }
    // Entry probe: right after the stack check's JBE (CMPQ 0x10(R14), SP|R12 in Go's syntax).
    size_t jbe = 0;
    while (jbe < 3 && insns[jbe].text.rfind("JBE", 0) != 0) ++jbe;
    ASSERT_LT(jbe, 3u) << "no stack-check prologue in the first instructions";
    EXPECT_NE(insns[jbe - 1].text.find("0x10(R14)"), std::string::npos) << insns[jbe - 1].text;
    EXPECT_TRUE(site.after_stack_check);
    EXPECT_EQ(site.probe_vaddr, insns[jbe + 1].addr);
    // The probe's file offset holds the same bytes as its address in the loaded image.
    std::string why;
    auto elf = ElfImage::open(bin(variant), why);
    ASSERT_TRUE(elf) << why;
    auto at_vaddr = elf->bytes_at(site.probe_vaddr, 4);
    ASSERT_EQ(at_vaddr.size(), 4u);
    EXPECT_EQ(std::memcmp(at_vaddr.data(), file.data() + site.probe_offset, 4), 0);
  }
}

TEST_P(GoBinaryVariant, GTlsOffsetIsWhatRt0GoUses) {
  const std::string variant = GetParam();
  GoBinaryInfo info = analyse_go_binary(bin(variant));
  ASSERT_TRUE(info.understood) << info.reason;
  // objdump prints the displacement as an unsigned 32-bit value: MOVQ $0x123, FS:0xfffffff8
  std::optional<int32_t> truth;
  static const std::regex fs(R"(FS:0x([0-9a-f]+))");
  for (const auto& in : objdump(bin(sibling(variant)), "runtime.rt0_go.abi0")) {
    std::smatch m;
    if (std::regex_search(in.text, m, fs)) {
      truth = static_cast<int32_t>(static_cast<uint32_t>(std::stoul(m[1].str(), nullptr, 16)));
      break;
    }
  }
  ASSERT_TRUE(truth.has_value());
  EXPECT_EQ(info.g_tls_offset, *truth);
  if (variant.rfind("cgo", 0) == 0) {
    // The C __thread variable of tls_cgo.go grows the TLS block: not the internal linker's -8.
    EXPECT_LT(info.g_tls_offset, -8);
    if (variant == "cgo") {
      EXPECT_NE(info.g_tls_source.find("checked against runtime.tlsg"), std::string::npos);
    }
  } else {
    EXPECT_EQ(info.g_tls_offset, -8);
  }
}

TEST_P(GoBinaryVariant, GoidOffsetFromDwarfOrTable) {
  const std::string variant = GetParam();
  GoBinaryInfo info = analyse_go_binary(bin(variant));
  ASSERT_TRUE(info.understood) << info.reason;
  bool stripped = variant.find("stripped") != std::string::npos;
  EXPECT_EQ(info.goid_offset_source, stripped ? "table" : "dwarf");
  // DWARF (unstripped) and the version table (stripped) agree for this toolchain.
  EXPECT_EQ(info.goid_offset, table_goid_offset(info.version).value_or(0));
}

INSTANTIATE_TEST_SUITE_P(Callchain, GoBinaryVariant,
                         ::testing::Values("nocgo", "nocgo_stripped", "cgo", "cgo_stripped"));

TEST(GoBinaryAnalysis, NonGoBinaryIsNotGo) {
  GoBinaryInfo info = analyse_go_binary("/bin/true");
  EXPECT_FALSE(info.is_go);
  EXPECT_FALSE(info.understood);
  EXPECT_NE(info.reason.find("not a Go binary"), std::string::npos) << info.reason;
}

TEST(GoBinaryAnalysis, MissingFileIsAReason) {
  GoBinaryInfo info = analyse_go_binary("/nonexistent/callscope-go-binary");
  EXPECT_FALSE(info.is_go);
  EXPECT_FALSE(info.reason.empty());
}

TEST(GoBinaryAnalysis, CorruptFunctionTableIsGoButNotUnderstood) {
  auto bytes = read_file(bin("nocgo_stripped"));
  std::string why;
  auto elf = ElfImage::open(bin("nocgo_stripped"), why);
  ASSERT_TRUE(elf) << why;
  const ElfSection* pcln = elf->section(".gopclntab");
  ASSERT_NE(pcln, nullptr);
  std::memset(bytes.data() + pcln->offset, 0, 8);
  std::string path = ::testing::TempDir() + "/callscope_go_corrupt_pclntab";
  write_file(path, bytes);
  GoBinaryInfo info = analyse_go_binary(path);
  EXPECT_TRUE(info.is_go);  // the build info still says Go
  EXPECT_FALSE(info.understood);
  EXPECT_NE(info.reason.find("function table"), std::string::npos) << info.reason;
  fs::remove(path);
}

TEST(GoBinaryAnalysis, TruncatedBinaryIsAReasonNotACrash) {
  auto bytes = read_file(bin("nocgo"));
  for (size_t keep : {size_t{64}, size_t{4096}, bytes.size() / 2}) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
    std::string path = ::testing::TempDir() + "/callscope_go_truncated";
    write_file(path, cut);
    GoBinaryInfo info = analyse_go_binary(path);
    EXPECT_FALSE(info.understood) << keep;
    EXPECT_FALSE(info.reason.empty()) << keep;
    fs::remove(path);
  }
}

TEST(GoBinaryAnalysis, NoSectionHeadersFoundBySegmentScan) {
  // Without section headers the build info and the function table are found in the segments.
  auto bytes = read_file(bin("nocgo_stripped"));
  ASSERT_GT(bytes.size(), 64u);
  std::memset(bytes.data() + 0x28, 0, 8);  // e_shoff
  std::memset(bytes.data() + 0x3c, 0, 4);  // e_shnum, e_shstrndx
  std::string path = ::testing::TempDir() + "/callscope_go_no_sections";
  write_file(path, bytes);
  GoBinaryInfo without = analyse_go_binary(path);
  GoBinaryInfo with = analyse_go_binary(bin("nocgo_stripped"));
  ASSERT_TRUE(without.understood) << without.reason;
  EXPECT_EQ(without.version.text, with.version.text);
  EXPECT_EQ(without.function_count, with.function_count);
  ASSERT_EQ(without.probes.size(), with.probes.size());
  for (size_t i = 0; i < with.probes.size(); ++i) {
    EXPECT_EQ(without.probes[i].probe_offset, with.probes[i].probe_offset);
    EXPECT_EQ(without.probes[i].ret_offsets, with.probes[i].ret_offsets);
  }
  fs::remove(path);
}

TEST(GoVersion, Parses) {
  auto v = parse_go_version("go1.19.8");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 1);
  EXPECT_EQ(v->minor, 19);
  EXPECT_EQ(v->patch, 8);
  v = parse_go_version("go1.21rc2");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->minor, 21);
  EXPECT_EQ(v->patch, 0);
  v = parse_go_version("devel go1.23-abcdef Tue Jan 1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->minor, 23);
  EXPECT_FALSE(parse_go_version("gcc 12"));
  EXPECT_TRUE(parse_go_version("go1.17")->at_least(1, 17));
  EXPECT_FALSE(parse_go_version("go1.16.15")->at_least(1, 17));
}

TEST(GoLayout, GoidOffsetTable) {
  auto at = [](const char* s) { return table_goid_offset(*parse_go_version(s)); };
  EXPECT_EQ(at("go1.17.13"), 152u);
  EXPECT_EQ(at("go1.19.8"), 152u);
  EXPECT_EQ(at("go1.22.5"), 152u);
  EXPECT_EQ(at("go1.23.0"), 160u);
  EXPECT_EQ(at("go1.24.2"), 160u);
  EXPECT_EQ(at("go1.25.1"), 152u);
  EXPECT_FALSE(at("go1.16.15").has_value());
  EXPECT_FALSE(at("go1.27.0").has_value());
  EXPECT_TRUE(table_request_first_in_request_and_chan(*parse_go_version("go1.19.8")));
  EXPECT_FALSE(table_request_first_in_request_and_chan(*parse_go_version("go1.20.0")));
  EXPECT_FALSE(table_request_first_in_request_and_chan(*parse_go_version("go1.23.0")));
}
