// An allocator for the small arrays every span owns (its attribute list), recycling them per size.
//
// Why: a span lives about half a second (the trace lingers) and thousands are alive at once; they die in
// batches when their traces are emitted. malloc's per-thread cache holds only a few blocks per size, so
// this pattern sends most of these frees and allocations down its slow paths. Here a freed array goes on a
// per-thread list of arrays of the same element count and the next span takes it back (the most recently
// freed first: still in cache).
//
// Rules: arrays of up to kMaxRecycled elements are recycled, larger ones go to operator new/delete. Lists
// are per thread (no locking); an array freed on another thread than it was allocated on simply joins
// that thread's list. A list keeps at most kMaxKept arrays (the rest are freed): memory stays bounded by
// what was live at the peak, as with malloc. Stateless: all instances are equal.
#pragma once

#include <array>
#include <cstddef>
#include <new>
#include <vector>

namespace cs {

namespace recycling_detail {

inline constexpr size_t kMaxRecycled = 16;  // elements
inline constexpr size_t kMaxKept = 65536;   // arrays per size, per thread

struct FreeLists {
  std::array<std::vector<void*>, kMaxRecycled + 1> by_count;  // index: element count
  ~FreeLists() {
    for (auto& list : by_count)
      for (void* p : list) ::operator delete(p);
  }
};

inline FreeLists& free_lists() {
  thread_local FreeLists lists;
  return lists;
}

}  // namespace recycling_detail

// Frees the arrays this thread keeps for reuse; returns how many. For a thread that frees spans allocated
// on another thread and allocates none itself (the OTLP exporter's): its lists would only grow, up to
// kMaxKept arrays per size, never taken back.
inline size_t release_recycled_arrays() noexcept {
  size_t n = 0;
  for (auto& list : recycling_detail::free_lists().by_count) {
    for (void* p : list) ::operator delete(p);
    n += list.size();
    list.clear();
  }
  return n;
}

template <typename T>
struct RecyclingAllocator {
  using value_type = T;
  using is_always_equal = std::true_type;

  RecyclingAllocator() noexcept = default;
  template <typename U>
  RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n <= recycling_detail::kMaxRecycled) {
      auto& list = recycling_detail::free_lists().by_count[n];
      if (!list.empty()) {
        void* p = list.back();
        list.pop_back();
        return static_cast<T*>(p);
      }
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }

  void deallocate(T* p, size_t n) noexcept {
    if (n <= recycling_detail::kMaxRecycled) {
      auto& list = recycling_detail::free_lists().by_count[n];
      if (list.size() < recycling_detail::kMaxKept) {
        try {
          list.push_back(p);
          return;
        } catch (...) {  // no room to remember it: free it
        }
      }
    }
    ::operator delete(p);
  }

  template <typename U>
  bool operator==(const RecyclingAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace cs
