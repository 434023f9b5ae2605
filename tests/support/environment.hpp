#pragma once
// Probes of what the kernel (or an emulator such as qemu-user) really does, made with raw
// syscalls, so tests can expect the behaviour the environment should produce.
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

namespace hislab_test {

inline std::size_t resident_pages(const void* p, std::size_t bytes) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::string vec((bytes + page - 1) / page, '\0');
  if (::mincore(const_cast<void*>(p), bytes, reinterpret_cast<unsigned char*>(vec.data())) != 0) return ~0u;
  std::size_t n = 0;
  for (char c : vec) n += (c & 1) != 0;
  return n;
}

/// False where MADV_POPULATE_WRITE is accepted but populates nothing (qemu-user ignores
/// madvise) or is refused (kernels before 5.14, where HiSlab touches the pages instead).
inline bool populate_write_populates() {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* p = ::mmap(nullptr, page * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const bool ok = ::madvise(p, page * 4, MADV_POPULATE_WRITE) == 0 && resident_pages(p, page * 4) == 4;
  ::munmap(p, page * 4);
  return ok;
}

/// True where mlock2(MLOCK_ONFAULT) exists (Linux 4.4+; not under qemu-user).
inline bool mlock_onfault_supported() {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* p = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const int r = ::mlock2(p, page, MLOCK_ONFAULT);
  const int err = errno;
  ::munmap(p, page);
  return r == 0 || (err != EINVAL && err != ENOSYS);
}

/// Bytes of this process's memory that mlock holds (VmLck), -1 where /proc does not say.
inline long locked_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmLck:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  return -1;
}

/// Minor page faults of this process so far.
inline long minor_faults() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

}  // namespace hislab_test
