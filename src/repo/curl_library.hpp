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

// libcurl's entry points that fetch and http_get use, with curl_global_init() done.
struct CurlLibrary {
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  // The multi interface: a transfer that asks its stop check between polls.
  CURLM* (*multi_init)() = nullptr;
  CURLMcode (*multi_cleanup)(CURLM*) = nullptr;
  CURLMcode (*multi_add_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_perform)(CURLM*, int*) = nullptr;
  CURLMcode (*multi_poll)(CURLM*, struct curl_waitfd*, unsigned int, int, int*) = nullptr;
  CURLMsg* (*multi_info_read)(CURLM*, int*) = nullptr;
};

// The library, loaded and initialised once (thread-safe); nullptr when it
// cannot be loaded, and then `why` says why.
const CurlLibrary* curl_library(std::string& why);

} // namespace noodle::repo::detail
