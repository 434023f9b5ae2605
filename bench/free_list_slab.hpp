#pragma once
// The classic index free-list slab (the design of Rust's `slab` crate), written here as the
// baseline HiSlab is measured against: a vector of entries, each holding a value or the index
// of the next vacant entry; the vacant entries form a LIFO list headed by `next_`. Growth is a
// std::vector reallocation (a copy of everything), and remove() writes the link into the
// removed entry, so it touches the element's cache line.
#include <cstdint>
#include <new>
#include <optional>
#include <utility>
#include <vector>

namespace hislab_bench {

template <class T>
class FreeListSlab {
  struct Entry {
    union {
      T value;
      std::uint32_t next;
    };
    bool occupied;
    Entry() : next(0), occupied(false) {}
    Entry(Entry&& o) noexcept : occupied(o.occupied) {
      if (occupied)
        ::new (&value) T(std::move(o.value));
      else
        next = o.next;
    }
    ~Entry() {
      if (occupied) value.~T();
    }
  };

 public:
  explicit FreeListSlab(std::size_t reserve = 0) { entries_.reserve(reserve); }

  template <class... A>
  std::uint32_t emplace(A&&... args) {
    const std::uint32_t i = next_;
    if (i == entries_.size()) {
      entries_.emplace_back();
      next_ = i + 1;
    } else {
      next_ = entries_[i].next;
    }
    Entry& e = entries_[i];
    ::new (&e.value) T{std::forward<A>(args)...};
    e.occupied = true;
    ++len_;
    return i;
  }

  std::optional<T> remove(std::uint32_t i) {
    if (i >= entries_.size() || !entries_[i].occupied) return std::nullopt;
    Entry& e = entries_[i];
    std::optional<T> out(std::move(e.value));
    e.value.~T();
    e.occupied = false;
    e.next = next_;
    next_ = i;
    --len_;
    return out;
  }

  T* get(std::uint32_t i) noexcept {
    return i < entries_.size() && entries_[i].occupied ? &entries_[i].value : nullptr;
  }

  template <class F>
  void for_each(F&& f) {
    for (std::uint32_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].occupied) f(i, entries_[i].value);
  }

  std::size_t size() const noexcept { return len_; }

 private:
  std::vector<Entry> entries_;
  std::uint32_t next_ = 0;
  std::size_t len_ = 0;
};

}  // namespace hislab_bench
