// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/beside.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

TEST_CASE("util::Beside runs its work on another thread, and join waits for it")
{
  std::atomic<bool> release{false};
  std::thread::id worker;
  int result = 0;
  noodle::util::Beside beside([&] {
    worker = std::this_thread::get_id();
    while (!release.load()) {
      std::this_thread::yield();
    }
    result = 42;
  });
  release = true; // the work ends only after this
  beside.join();
  CHECK(result == 42);
  CHECK(worker != std::this_thread::get_id());
  beside.join(); // a second join changes nothing
  CHECK(result == 42);
}

TEST_CASE("util::Beside rethrows at join what its work threw, once")
{
  noodle::util::Beside beside([] { throw std::runtime_error("no room"); });
  try {
    beside.join();
    FAIL("join did not rethrow");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "no room");
  }
  CHECK_NOTHROW(beside.join());
}

TEST_CASE("util::Beside waits for its work when it goes without a join, even after a throw")
{
  std::atomic<int> done{0};
  try {
    noodle::util::Beside beside([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ++done;
    });
    throw std::logic_error("the caller fails first");
  } catch (const std::logic_error&) {
  }
  CHECK(done.load() == 1); // the destructor waited: the work finished before it returned
}
