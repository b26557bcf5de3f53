// A bounded map that keeps the entries in use, for tables whose entries have no reliable end of life (Go
// goroutines: nothing reports a goroutine's exit).
//
// Rules:
//  - Two generations (flat_map.h): inserts go to the young one; an entry found in the old one moves to the
//    young one. When the young one holds capacity / 2 entries, the old one is dropped and the young one
//    becomes the old one; entries of the dropped generation that `keep` names (still needed, e.g. a
//    goroutine serving a request) move to the new young one first, up to capacity / 4 of them (so a
//    rotation is followed by at least capacity / 4 inserts: O(1) per insert, amortised).
//  - So an entry used at least once per generation stays, and at most `capacity` entries are held.
//    Forgetting is counted (forgotten()).
//  - Pointers returned by find() and get() are valid until the next call that may insert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/flat_map.h"

namespace cs {

template <class K, class V, class Hash = U64Hash>
class GenerationalMap {
 public:
  using Keep = bool (*)(const V&);
  explicit GenerationalMap(size_t capacity, Keep keep = nullptr)
      : half_(capacity / 2 > 0 ? capacity / 2 : 1), keep_(keep) {}

  size_t size() const { return young_.size() + old_.size(); }
  uint64_t forgotten() const { return forgotten_; }

  V* find(const K& key) {
    if (V* v = young_.find(key)) return v;
    V* v = old_.find(key);
    if (v == nullptr) return nullptr;
    const V copy = *v;
    old_.erase(key);
    return &insert_young(key, copy);
  }

  // The entry of `key`, inserted as `init` when absent.
  V& get(const K& key, const V& init = V{}) {
    if (V* v = find(key)) return *v;
    return insert_young(key, init);
  }

  // Sets the entry of `key` (replacing any).
  void put(const K& key, const V& value) { get(key) = value; }

  bool erase(const K& key) { return young_.erase(key) | old_.erase(key); }

  template <class Pred>
  size_t erase_if(Pred pred) {
    return young_.erase_if(pred) + old_.erase_if(pred);
  }

  void clear() {
    young_.clear();
    old_.clear();
  }

 private:
  V& insert_young(const K& key, const V& value) {
    if (young_.size() >= half_) rotate();
    return *young_.insert(key, value).first;
  }

  void rotate() {
    carried_.clear();
    if (keep_ != nullptr) {
      old_.for_each([this](const K& k, const V& v) {
        if (carried_.size() < half_ / 2 && keep_(v)) carried_.emplace_back(k, v);
      });
    }
    forgotten_ += old_.size() - carried_.size();
    std::swap(old_, young_);
    young_.clear();  // keeps its storage: no allocation once warm
    for (const auto& [k, v] : carried_) young_.insert(k, v);
  }

  size_t half_;
  Keep keep_;
  FlatMap<K, V, Hash> young_;
  FlatMap<K, V, Hash> old_;
  std::vector<std::pair<K, V>> carried_;
  uint64_t forgotten_ = 0;
};

}  // namespace cs
