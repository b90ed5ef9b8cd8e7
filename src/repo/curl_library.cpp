// SPDX-License-Identifier: Apache-2.0
#include "curl_library.hpp"

#include <dlfcn.h>

#include <mutex>

namespace noodle::repo::detail {

namespace {

// The soname the headers were written for: its ABI is the one they declare.
constexpr const char* k_soname = "libcurl.so.4";

template <typename Fn> bool bind(void* handle, const char* name, Fn& fn, std::string& why)
{
  void* symbol = ::dlsym(handle, name);
  if (symbol == nullptr) {
    why = std::string(k_soname) + " lacks " + name;
    return false;
  }
  fn = reinterpret_cast<Fn>(symbol);
  return true;
}

struct Loaded {
  CurlLibrary library;
  bool ok = false;
  std::string why;
};

Loaded load()
{
  Loaded l;
  // Never unloaded: libcurl keeps global state for the process's lifetime.
  void* handle = ::dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    l.why = error != nullptr ? std::string(error) : std::string("cannot load ") + k_soname;
    return l;
  }
  CURLcode (*global_init)(long) = nullptr;
  CurlLibrary& c = l.library;
  if (!bind(handle, "curl_global_init", global_init, l.why) || !bind(handle, "curl_easy_init", c.easy_init, l.why)
      || !bind(handle, "curl_easy_cleanup", c.easy_cleanup, l.why)
      || !bind(handle, "curl_easy_setopt", c.easy_setopt, l.why)
      || !bind(handle, "curl_easy_perform", c.easy_perform, l.why)
      || !bind(handle, "curl_easy_getinfo", c.easy_getinfo, l.why)
      || !bind(handle, "curl_easy_strerror", c.easy_strerror, l.why)
      || !bind(handle, "curl_multi_init", c.multi_init, l.why)
      || !bind(handle, "curl_multi_cleanup", c.multi_cleanup, l.why)
      || !bind(handle, "curl_multi_add_handle", c.multi_add_handle, l.why)
      || !bind(handle, "curl_multi_remove_handle", c.multi_remove_handle, l.why)
      || !bind(handle, "curl_multi_perform", c.multi_perform, l.why)
      || !bind(handle, "curl_multi_poll", c.multi_poll, l.why)
      || !bind(handle, "curl_multi_info_read", c.multi_info_read, l.why)) {
    return l;
  }
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    l.why = "libcurl could not initialise";
    return l;
  }
  l.ok = true;
  return l;
}

} // namespace

const CurlLibrary* curl_library(std::string& why)
{
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.ok) {
    why = loaded.why;
    return nullptr;
  }
  return &loaded.library;
}

} // namespace noodle::repo::detail
