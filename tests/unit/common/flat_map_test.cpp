// The correlator's open-addressing table: inserts, finds, erases with backward shift, growth.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "common/flat_map.h"

namespace cs {
namespace {

TEST(FlatMap, InsertFindErase) {
  FlatMap<uint64_t, uint32_t> m;
  EXPECT_TRUE(m.insert(5, 50).second);
  EXPECT_FALSE(m.insert(5, 51).second) << "an existing key is not overwritten";
  ASSERT_NE(m.find(5), nullptr);
  EXPECT_EQ(*m.find(5), 50u);
  EXPECT_EQ(m.find(6), nullptr);
  EXPECT_TRUE(m.erase(5));
  EXPECT_FALSE(m.erase(5));
  EXPECT_TRUE(m.empty());
}

// Random operations against std::map: every key stays findable after the erases around it (backward shift).
TEST(FlatMap, AgreesWithStdMapUnderChurn) {
  FlatMap<uint64_t, uint64_t> m;
  std::map<uint64_t, uint64_t> ref;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    uint64_t k = rng() % 5000;  // many collisions of home slots, many re-inserts
    if (rng() % 3 == 0) {
      EXPECT_EQ(m.erase(k), ref.erase(k) == 1);
    } else {
      m[k] = k * 3;
      ref[k] = k * 3;
    }
  }
  EXPECT_EQ(m.size(), ref.size());
  for (auto [k, v] : ref) {
    ASSERT_NE(m.find(k), nullptr) << k;
    EXPECT_EQ(*m.find(k), v);
  }
  size_t erased = m.erase_if([](uint64_t k, uint64_t) { return k % 2 == 0; });
  size_t even = 0;
  for (auto [k, v] : ref) even += k % 2 == 0;
  EXPECT_EQ(erased, even);
  for (auto [k, v] : ref) EXPECT_EQ(m.find(k) != nullptr, k % 2 == 1) << k;
}

}  // namespace
}  // namespace cs
