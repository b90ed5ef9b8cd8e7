// SPDX-License-Identifier: Apache-2.0
// libcurl, loaded when the first transfer starts rather than when the
// program starts: it and the libraries it needs (TLS, Kerberos, LDAP, IDN,
// ...) are some thirty shared objects, whose loading and relocation made up
// about half the start-up time of every command, most of which never fetch.
// Private to repo/.
#pragma once

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <string>

namespace noodle::repo::detail {

// libcurl's entry points that fetch uses, with curl_global_init() done.
struct CurlLibrary {
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
};

// The library, loaded and initialised once (thread-safe); nullptr when it
// cannot be loaded, and then `why` says why.
const CurlLibrary* curl_library(std::string& why);

} // namespace noodle::repo::detail
