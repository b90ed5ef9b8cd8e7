// SPDX-License-Identifier: Apache-2.0
// peak_rss CMD [ARG...]: runs CMD and prints "<exit> <wall ms> <peak RSS KiB>"
// of the largest process in its tree. A small launcher, so that its own
// memory does not set the floor of the measurement (a Python parent would).
#include <chrono>
#include <cstdio>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv)
{
  if (argc < 2) {
    std::fprintf(stderr, "usage: peak_rss CMD [ARG...]\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) < 0) {
    std::perror("peak_rss");
    return 2;
  }
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d %.3f %ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ms, usage.ru_maxrss);
  return 0;
}
