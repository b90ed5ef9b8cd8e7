// SPDX-License-Identifier: Apache-2.0
#include "cli/terminal_progress.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using noodle::cli::progress_text;
using noodle::cli::TerminalProgress;

TEST_CASE("cli::progress_text shows phase, percentage and megabytes")
{
  CHECK(progress_text("verify", 512 * 1024, 2 * 1024 * 1024) == "verify 25% 0.5/2.0 MB");
  CHECK(progress_text("extract", 3 * 1024 * 1024, 3 * 1024 * 1024) == "extract 100% 3.0/3.0 MB");
  CHECK(progress_text("extract", 1024 * 1024, 0) == "extract 1.0 MB");
}

TEST_CASE("cli::TerminalProgress throttles updates, always draws a new phase and 100%, and erases with spaces")
{
  std::ostringstream err;
  TerminalProgress line(err);
  line.update("verify", 1, 100);
  line.update("verify", 2, 100); // within 100 ms of the first: skipped
  line.update("verify", 100, 100);
  line.update("extract", 5, 10);
  line.finish();
  const std::string extract = "\rextract 50% 0.0/0.0 MB";
  CHECK(err.str() == "\rverify 1% 0.0/0.0 MB\rverify 100% 0.0/0.0 MB" + extract + "\r" +
                         std::string(extract.size() - 1, ' ') + "\r");
  CHECK(err.str().find('\x1b') == std::string::npos);
}

TEST_CASE("cli::TerminalProgress pads over a longer previous line and finish without a line writes nothing")
{
  std::ostringstream err;
  TerminalProgress line(err);
  line.finish();
  CHECK(err.str().empty());
  line.show("waiting: 10 s");
  line.show("waiting: 10 s"); // unchanged: not redrawn
  line.show("wait: 1 s");
  CHECK(err.str() == "\rwaiting: 10 s\rwait: 1 s    ");
}
