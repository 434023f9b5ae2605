#pragma once
/// \file hislab.hpp
/// The umbrella header: everything HiSlab offers.

#include "buffer_slab.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "fwd.hpp"
#include "hier_bitmap.hpp"
#include "local_pool.hpp"
#include "mmap_region.hpp"
#include "pool_resource.hpp"
#include "slab.hpp"
#include "slot_map.hpp"
#include "tagged_slab.hpp"
#include "types.hpp"
#include "version.hpp"
