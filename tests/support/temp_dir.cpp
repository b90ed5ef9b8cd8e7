// SPDX-License-Identifier: Apache-2.0
#include "temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace noodle::test {

TempDir::TempDir()
{
  std::string tmpl = (std::filesystem::temp_directory_path() / "noodle-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = tmpl;
}

TempDir::~TempDir()
{
  if (std::getenv("NOODLE_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
}

std::filesystem::path TempDir::write(const std::string& relative, const std::string& content) const
{
  auto p = m_path / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << content;
  return p;
}

void install_fake_version(const std::filesystem::path& root, const std::string& name, const std::string& version)
{
  auto dir = root / "components" / name;
  std::filesystem::create_directories(dir / "versions" / version);
  std::error_code ec;
  std::filesystem::remove(dir / "current", ec);
  std::filesystem::create_directory_symlink(std::filesystem::path("versions") / version, dir / "current");
}

void install_demo_state(const std::filesystem::path& root)
{
  std::ifstream in(std::string(NOODLE_SOURCE_DIR) + "/examples/demo-installed.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::istringstream fields(line);
    std::string name;
    std::string version;
    fields >> name >> version;
    install_fake_version(root, name, version);
  }
}

} // namespace noodle::test
