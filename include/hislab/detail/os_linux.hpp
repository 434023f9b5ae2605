#pragma once
// The only file that includes <sys/mman.h> or reads errno. Every function returns 0 or the errno
// the kernel gave; nothing here throws.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "../config.hpp"

// Debian 12's glibc headers predate some of these; the values are the kernel's ABI.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

HISLAB_NAMESPACE_BEGIN
namespace detail::os {

/// Test hook: when true, populate() behaves as on a kernel without MADV_POPULATE_WRITE.
inline std::atomic<bool>& populate_write_disabled() noexcept {
  static std::atomic<bool> flag{false};
  return flag;
}

inline std::size_t base_page_size() noexcept {
  static const std::size_t size = [] {
    long v = ::sysconf(_SC_PAGESIZE);
    return v > 0 ? static_cast<std::size_t>(v) : std::size_t{4096};
  }();
  return size;
}

/// The default huge page size (from /proc/meminfo), 2 MiB when it cannot be read.
inline std::size_t huge_page_size() noexcept {
  static const std::size_t size = [] {
    std::size_t kib = 0;
    if (std::FILE* f = std::fopen("/proc/meminfo", "r")) {
      char line[128];
      while (std::fgets(line, sizeof line, f)) {
        unsigned long v = 0;
        if (std::sscanf(line, "Hugepagesize: %lu kB", &v) == 1) {
          kib = v;
          break;
        }
      }
      std::fclose(f);
    }
    return kib != 0 ? kib * 1024 : std::size_t{2} << 20;
  }();
  return size;
}

inline void* map_anonymous(std::size_t bytes, bool hugetlb, int& err) noexcept {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  if (hugetlb) flags |= MAP_HUGETLB;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED) {
    err = errno;
    return nullptr;
  }
  err = 0;
  return p;
}

/// Reads up to size - 1 bytes of a /proc file into buf (NUL-terminated) without allocating:
/// this runs when memory is short. Returns the bytes read (0 when it cannot be read).
inline std::size_t read_small_file(const char* path, char* buf, std::size_t size) noexcept {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  std::size_t n = 0;
  if (fd >= 0) {
    ssize_t got;
    while (n + 1 < size && (got = ::read(fd, buf + n, size - 1 - n)) > 0) n += static_cast<std::size_t>(got);
    ::close(fd);
  }
  buf[n] = '\0';
  return n;
}

/// The lines of /proc/self/maps: the process's memory mappings.
inline std::size_t mapping_count() noexcept {
  const int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  std::size_t lines = 0;
  ssize_t got;
  while ((got = ::read(fd, buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < got; ++i) lines += buf[i] == '\n';
  ::close(fd);
  return lines;
}

/// When a mapping was refused with ENOMEM: writes to `out` which per-process limit was reached
/// and how to raise it, or "" when none was (memory, or a hugetlb pool, ran out).
inline void explain_enomem(char* out, std::size_t size) noexcept {
  out[0] = '\0';
  char buf[4096];
  // A container maps up to four regions, and unmaps those it made when the next one fails.
  const std::size_t maps = mapping_count();
  const unsigned long long max_maps = read_small_file("/proc/sys/vm/max_map_count", buf, sizeof buf) != 0
                                          ? std::strtoull(buf, nullptr, 10)
                                          : 0;
  if (max_maps != 0 && maps + 4 >= max_maps) {
    std::snprintf(out, size,
                  "the process holds %zu memory mappings and vm.max_map_count is %llu: raise it "
                  "(sysctl -w vm.max_map_count=N) or hold fewer mappings",
                  maps, max_maps);
    return;
  }
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    unsigned long long vm_kib = 0;
    if (read_small_file("/proc/self/status", buf, sizeof buf) != 0)
      if (const char* v = std::strstr(buf, "VmSize:")) vm_kib = std::strtoull(v + 7, nullptr, 10);
    std::snprintf(out, size,
                  "RLIMIT_AS (ulimit -v) allows %llu MiB of address space and %llu MiB are mapped; a "
                  "container reserves its whole virtual capacity: raise the limit or lower "
                  "virtual_capacity",
                  static_cast<unsigned long long>(rl.rlim_cur >> 20), vm_kib >> 10);
  }
}

inline void unmap(void* p, std::size_t bytes) noexcept {
  if (p != nullptr && bytes != 0) ::munmap(p, bytes);
}

inline int advise(void* p, std::size_t bytes, int advice) noexcept {
  return ::madvise(p, bytes, advice) == 0 ? 0 : errno;
}

/// Faults pages in by writing to each: the fallback for kernels before 5.14. Reading and
/// writing back the same byte keeps whatever the page already holds.
#if defined(__clang__) || defined(__GNUC__)
__attribute__((no_sanitize("address")))  // the pages may hold poisoned (vacant) slots
#endif
inline void
touch_pages(std::byte* p, std::size_t bytes, std::size_t page) noexcept {
  for (std::size_t off = 0; off < bytes; off += page) {
    auto* b = reinterpret_cast<volatile unsigned char*>(p + off);
    *b = *b;
  }
}

/// Commits [p, p + bytes) writable: MADV_POPULATE_WRITE, then one write per page. Under some
/// hypervisors a populated page still takes a host-side fault on its first write (about 5 us
/// per 4 KiB page on the Firecracker VM of bench/README.md), which is what pre-faulting exists
/// to keep off the insert path; the write takes it here, and costs one store per page where the
/// page is truly present. `hugetlb` regions are never touched by the fallback: a write to a
/// hugetlb page the pool cannot supply is SIGBUS, so there the error is returned.
inline int populate(std::byte* p, std::size_t bytes, std::size_t page, bool hugetlb) noexcept {
  if (bytes == 0) return 0;
  int err = populate_write_disabled().load(std::memory_order_relaxed) ? EINVAL
                                                                      : advise(p, bytes, MADV_POPULATE_WRITE);
  if (err == 0 || (err == EINVAL && !hugetlb)) {
    touch_pages(p, bytes, page);  // after a successful populate, every page is there to write
    return 0;
  }
  // A hugetlb fault the pool cannot serve is reported as EFAULT; say what it means.
  if (err == EFAULT && hugetlb) return ENOMEM;
  return err;
}

// The lock calls are made as raw syscalls: AddressSanitizer intercepts mlock/munlock and turns
// them into silent no-ops, which would make a sanitizer build lie about locking.

/// mlock, or mlock2(MLOCK_ONFAULT). Where MLOCK_ONFAULT is unknown (Linux before 4.4 says
/// ENOSYS; qemu-user says EINVAL) plain mlock is used, which faults the whole range in.
inline int lock(void* p, std::size_t bytes, bool on_fault) noexcept {
  if (bytes == 0) return 0;
  if (on_fault) {
    if (::syscall(SYS_mlock2, p, bytes, MLOCK_ONFAULT) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return errno;
  }
  return ::syscall(SYS_mlock, p, bytes) == 0 ? 0 : errno;
}

inline int unlock(void* p, std::size_t bytes) noexcept {
  if (bytes == 0) return 0;
  return ::syscall(SYS_munlock, p, bytes) == 0 ? 0 : errno;
}

}  // namespace detail::os
HISLAB_NAMESPACE_END
