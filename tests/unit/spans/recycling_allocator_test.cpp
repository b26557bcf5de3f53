// RecyclingAllocator: a freed array of n elements is handed back for the next request of n elements (the
// most recent first), other counts and large arrays are not mixed up, and spans' attribute lists work
// through it as plain vectors would.
#include "spans/recycling_allocator.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "spans/span.h"

namespace cs {
namespace {

TEST(RecyclingAllocator, ReusesArraysOfTheSameCountMostRecentFirst) {
  RecyclingAllocator<Attribute> a;
  Attribute* nine = a.allocate(9);
  Attribute* other_nine = a.allocate(9);
  Attribute* three = a.allocate(3);
  a.deallocate(nine, 9);
  a.deallocate(other_nine, 9);
  a.deallocate(three, 3);
  EXPECT_EQ(a.allocate(9), other_nine);
  EXPECT_EQ(a.allocate(9), nine);
  EXPECT_EQ(a.allocate(3), three);
  Attribute* big = a.allocate(100);  // not recycled: straight to operator new/delete
  a.deallocate(big, 100);
  a.deallocate(nine, 9);
  a.deallocate(other_nine, 9);
  a.deallocate(three, 3);
}

TEST(RecyclingAllocator, AttributeListsBehaveAsVectors) {
  Span s;
  for (int round = 0; round < 3; ++round) {
    s.attributes.clear();
    s.attributes.shrink_to_fit();
    s.attributes.reserve(9);
    for (int i = 0; i < 20; ++i) {  // grows past the recycled sizes
      if (i % 2)
        s.attributes.emplace_back("k", int64_t{i});
      else
        s.attributes.emplace_back("k", std::to_string(i));
    }
    ASSERT_EQ(s.attributes.size(), 20u);
    EXPECT_EQ(std::get<std::string>(s.attributes[4].value), "4");
    EXPECT_EQ(std::get<int64_t>(s.attributes[19].value), 19);
    Span copy = s;
    Span moved = std::move(copy);
    EXPECT_EQ(moved.attributes.size(), 20u);
  }
  // An array allocated on one thread and freed on another joins that thread's list.
  Span other;
  std::thread([&] { other.attributes = {{"a", int64_t{1}}, {"b", std::string("x")}}; }).join();
  other.attributes.clear();
  other.attributes.shrink_to_fit();
  EXPECT_TRUE(other.attributes.empty());
}

}  // namespace
}  // namespace cs
