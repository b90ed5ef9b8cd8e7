// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/dir_fd.hpp>

#include <catch2/catch.hpp>

namespace noodle::test {

// Runs the test case once with openat2 and once with the per-component walk
// a kernel without it gets (Catch2's GENERATE); openat2 again when it ends.
class ResolutionUnderTest {
public:
  ResolutionUnderTest() : m_mode(GENERATE(util::Resolution::automatic, util::Resolution::per_component))
  {
    util::set_resolution(m_mode);
  }
  ~ResolutionUnderTest() { util::set_resolution(util::Resolution::automatic); }
  ResolutionUnderTest(const ResolutionUnderTest&) = delete;
  ResolutionUnderTest& operator=(const ResolutionUnderTest&) = delete;
  const char* name() const { return m_mode == util::Resolution::automatic ? "openat2" : "per component"; }

private:
  util::Resolution m_mode;
};

} // namespace noodle::test
