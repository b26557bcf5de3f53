// Runs a fuzz target without libFuzzer: every file of the seed corpus directory given as argv[1], then
// deterministic mutations of them (bit flips, truncations, splices, random bytes). Exits non-zero only
// if the target crashes (the process dies) — which is the point of a fuzz test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  if (argc > 1 && std::filesystem::is_directory(argv[1])) {
    for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
      std::ifstream in(entry.path(), std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (seeds.empty()) seeds.emplace_back("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());

  std::mt19937_64 rng(12345);
  const int iterations = 200000;
  for (int i = 0; i < iterations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int ops = 1 + rng() % 8;
    for (int k = 0; k < ops; ++k) {
      switch (rng() % 5) {
        case 0:
          if (!s.empty()) s[rng() % s.size()] ^= static_cast<char>(1u << (rng() % 8));
          break;
        case 1:
          if (!s.empty()) s.resize(rng() % s.size());
          break;
        case 2: {
          const auto& o = seeds[rng() % seeds.size()];
          if (!o.empty()) s.insert(rng() % (s.size() + 1), o.substr(rng() % o.size()));
          break;
        }
        case 3:
          s.insert(rng() % (s.size() + 1), 1, static_cast<char>(rng()));
          break;
        case 4:
          if (!s.empty()) s.erase(rng() % s.size(), 1 + rng() % 16);
          break;
      }
    }
    if (s.size() > 65536) s.resize(65536);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::printf("fuzz driver: %zu seeds, %d mutated inputs, no crash\n", seeds.size(), iterations);
  return 0;
}
