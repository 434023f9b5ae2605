#pragma once
// The plain model HierBitmap is checked against: a vector of bools, every query by a scan.
#include <hislab/types.hpp>

#include <vector>

namespace hislab_test {

class ReferenceBitmap {
 public:
  explicit ReferenceBitmap(hislab::size_type cap) : bits_(cap, false) {}
  hislab::size_type capacity() const { return static_cast<hislab::size_type>(bits_.size()); }
  hislab::size_type count() const { return count_; }
  bool test(hislab::index_type i) const { return i < bits_.size() && bits_[i]; }
  bool set(hislab::index_type i) {
    if (i >= bits_.size() || bits_[i]) return false;
    bits_[i] = true;
    ++count_;
    return true;
  }
  bool reset(hislab::index_type i) {
    if (i >= bits_.size() || !bits_[i]) return false;
    bits_[i] = false;
    --count_;
    return true;
  }
  hislab::index_type find_first_unset() const {
    for (std::size_t i = 0; i < bits_.size(); ++i)
      if (!bits_[i]) return static_cast<hislab::index_type>(i);
    return hislab::npos;
  }
  hislab::index_type find_next_set(hislab::index_type from) const {
    for (std::size_t i = from; i < bits_.size(); ++i)
      if (bits_[i]) return static_cast<hislab::index_type>(i);
    return hislab::npos;
  }
  hislab::index_type select(hislab::size_type k) const {
    for (std::size_t i = 0; i < bits_.size(); ++i)
      if (bits_[i] && k-- == 0) return static_cast<hislab::index_type>(i);
    return hislab::npos;
  }

 private:
  std::vector<bool> bits_;
  hislab::size_type count_ = 0;
};

}  // namespace hislab_test
