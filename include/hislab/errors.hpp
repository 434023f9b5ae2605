#pragma once
/// \file errors.hpp
/// The library's own exception type. OS refusals are `std::system_error`, bad options
/// `std::invalid_argument`, checked access `std::out_of_range`.

#include <stdexcept>

#include "config.hpp"

HISLAB_NAMESPACE_BEGIN

/// Thrown when an insert, emplace, allocate or reserve needs a slot beyond the virtual capacity.
class CapacityError : public std::length_error {
 public:
  using std::length_error::length_error;
};

HISLAB_NAMESPACE_END
