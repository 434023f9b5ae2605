#pragma once
/// \file fwd.hpp
/// Forward declarations of every public type, so users never write their own.

#include <cstddef>

#include "config.hpp"

HISLAB_NAMESPACE_BEGIN

template <class V>
struct Entry;
struct Options;
enum class HugePages;
class CapacityError;
class MmapRegion;
class HierBitmap;
template <class T>
class HiSlab;
template <class T>
class TaggedHiSlab;
template <std::size_t N>
class BufferSlab;

HISLAB_NAMESPACE_END
