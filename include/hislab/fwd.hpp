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
template <class Tag>
class Key;
template <class V, class Tag>
struct KeyEntry;
template <class T, class Tag>
class SlotMap;
template <class Derived, class T>
class LocalPool;
template <class T, class Pool>
class Slot;
struct PoolOptions;
class PoolResource;
template <class T>
class PoolAllocator;

HISLAB_NAMESPACE_END
