// Calls the function define.cpp defines; built with the same or with other target flags.
#include <hislab/hislab.hpp>

int abi_probe_fill(hislab::HiSlab<int>& s);

int main() {
  hislab::HiSlab<int> s(0, 16);
  return abi_probe_fill(s) == 0 ? 0 : 1;
}
