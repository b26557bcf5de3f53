// A small open-addressing hash map for tables keyed by small ids (connections, threads, wire identities).
//
// Rules:
//  - Keys and values are small and trivially copyable; the whole key is stored and compared (a hash
//    collision never makes two keys equal).
//  - Linear probing in one power-of-two array, at most half full; erase shifts the following entries back
//    (no tombstones), so a busy table never degrades.
//  - Memory is allocated only when the table grows past its high-water mark, never per insert once warm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace cs {

inline uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

struct U64Hash {
  size_t operator()(uint64_t k) const { return static_cast<size_t>(mix64(k)); }
};

template <class K, class V, class Hash = U64Hash, class Eq = std::equal_to<K>>
class FlatMap {
 public:
  explicit FlatMap(size_t initial_capacity = 16) { reset(initial_capacity); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  V* find(const K& key) {
    size_t i = home(key);
    while (slots_[i].used) {
      if (Eq{}(slots_[i].key, key)) return &slots_[i].value;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }
  const V* find(const K& key) const { return const_cast<FlatMap*>(this)->find(key); }

  // Inserts key -> value unless the key is present. Returns the value in the table and whether it was new.
  std::pair<V*, bool> insert(const K& key, const V& value) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    size_t i = home(key);
    while (slots_[i].used) {
      if (Eq{}(slots_[i].key, key)) return {&slots_[i].value, false};
      i = (i + 1) & mask_;
    }
    slots_[i].used = true;
    slots_[i].key = key;
    slots_[i].value = value;
    ++size_;
    return {&slots_[i].value, true};
  }

  V& operator[](const K& key) { return *insert(key, V{}).first; }

  bool erase(const K& key) {
    size_t i = home(key);
    while (slots_[i].used) {
      if (Eq{}(slots_[i].key, key)) {
        erase_at(i);
        return true;
      }
      i = (i + 1) & mask_;
    }
    return false;
  }

  // Erases every entry for which pred(key, value) is true (a scan: for rare events such as a process exit).
  template <class Pred>
  size_t erase_if(Pred pred) {
    std::vector<K> doomed;
    for (const Slot& s : slots_)
      if (s.used && pred(s.key, s.value)) doomed.push_back(s.key);
    for (const K& k : doomed) erase(k);
    return doomed.size();
  }

  template <class F>
  void for_each(F f) {
    for (Slot& s : slots_)
      if (s.used) f(s.key, s.value);
  }

  void clear() {
    for (Slot& s : slots_) s.used = false;
    size_ = 0;
  }

 private:
  struct Slot {
    K key{};
    V value{};
    bool used = false;
  };

  size_t home(const K& key) const { return Hash{}(key) & mask_; }

  void reset(size_t capacity) {
    size_t n = 16;
    while (n < capacity) n <<= 1;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    size_ = 0;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reset(old.size() * 2);
    for (const Slot& s : old)
      if (s.used) insert(s.key, s.value);
  }

  // Backward-shift deletion: entries after the hole move back unless that would put them before their home.
  void erase_at(size_t hole) {
    size_t j = hole;
    for (;;) {
      j = (j + 1) & mask_;
      if (!slots_[j].used) break;
      size_t h = home(slots_[j].key);
      if (((j - h) & mask_) >= ((j - hole) & mask_)) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace cs
