// A FIFO whose slots are kept and reused, for per-connection queues on the hot path (requests waiting for
// their answer). pop_front() does not destroy the element and push_back() hands back a slot as it was
// left: the caller resets the fields it uses. So the buffers an element owns (strings, vectors) are
// reused, not freed and allocated again for every element. Capacity: powers of two, grown by doubling
// when full (elements moved over), never shrunk. Header-only, no dependencies.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace cs {

template <typename T>
class SlotQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // i = 0 is the oldest element.
  T& operator[](size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  const T& operator[](size_t i) const { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }

  // A slot at the back, holding whatever its last element left there.
  T& push_back() {
    if (size_ == slots_.size()) grow();
    ++size_;
    return back();
  }
  void pop_front() {
    head_ = size_ == 1 ? 0 : (head_ + 1) & (slots_.size() - 1);
    --size_;
  }
  void clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 1 : 2 * slots_.size());
    for (size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    slots_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace cs
