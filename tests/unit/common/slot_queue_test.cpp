// SlotQueue: FIFO order across growth and wrap-around, and slots handed back as they were left (their
// buffers kept: the point of the container).
#include "common/slot_queue.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

namespace cs {
namespace {

TEST(SlotQueue, KeepsFifoOrderThroughGrowthAndWrapAround) {
  SlotQueue<int> q;
  std::deque<int> model;
  std::mt19937 rng(3);
  int next = 0;
  for (int step = 0; step < 20000; ++step) {
    if (model.empty() || rng() % 3 != 0) {
      q.push_back() = next;
      model.push_back(next++);
    } else {
      ASSERT_EQ(q.front(), model.front());
      q.pop_front();
      model.pop_front();
    }
    ASSERT_EQ(q.size(), model.size());
    if (!model.empty()) {
      ASSERT_EQ(q.front(), model.front());
      ASSERT_EQ(q.back(), model.back());
      ASSERT_EQ(q[model.size() / 2], model[model.size() / 2]);
    }
  }
  q.clear();
  EXPECT_TRUE(q.empty());
}

TEST(SlotQueue, ReusedSlotsKeepTheirBuffers) {
  SlotQueue<std::string> q;
  q.push_back().assign(200, 'x');
  const char* buffer = q.front().data();
  q.pop_front();
  std::string& again = q.push_back();  // the same slot, as it was left
  EXPECT_EQ(again.size(), 200u);
  again.clear();
  again.append("new");
  EXPECT_EQ(again.data(), buffer) << "the slot's buffer was reused, not reallocated";
  // Growth moves the elements over in order.
  for (int i = 0; i < 9; ++i) q.push_back() = std::to_string(i);
  EXPECT_EQ(q.front(), "new");
  EXPECT_EQ(q.back(), "8");
  EXPECT_EQ(q.size(), 10u);
}

}  // namespace
}  // namespace cs
