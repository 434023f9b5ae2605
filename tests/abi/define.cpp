// Defines a function that takes a hislab type; built with one set of target flags.
#include <hislab/hislab.hpp>

int abi_probe_fill(hislab::HiSlab<int>& s) { return static_cast<int>(s.insert(1)); }
