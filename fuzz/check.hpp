// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <cstdlib>

// A property every input must keep; a violation aborts so libFuzzer (or the
// replay driver) reports the input as a crash.
#define NOODLE_FUZZ_CHECK(condition)                                                                                   \
  do {                                                                                                                 \
    if (!(condition)) {                                                                                                \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #condition);                          \
      std::abort();                                                                                                    \
    }                                                                                                                  \
  } while (false)
