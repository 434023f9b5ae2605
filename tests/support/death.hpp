#pragma once
// Runs a function in a forked child and reports how it ended and what it wrote to stderr:
// the death tests Catch2 lacks.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace hislab_test {

struct ChildResult {
  bool signaled = false;
  int signal = 0;
  int exit_code = -1;
  std::string err;
};

template <class F>
ChildResult run_in_child(F&& f) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], 2);
    f();
    std::fflush(nullptr);
    ::_exit(0);
  }
  ::close(fds[1]);
  ChildResult r;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) r.err.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  }
  return r;
}

/// True when the child ended by SIGABRT (an assertion, or a throw without exceptions) after
/// writing `message` to stderr.
inline bool aborted_with(const ChildResult& r, const char* message) {
  return r.signaled && r.signal == SIGABRT && r.err.find(message) != std::string::npos;
}

}  // namespace hislab_test
