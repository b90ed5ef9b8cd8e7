// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

namespace noodle::util {

// Asks the kernel to map the pages of a large buffer about to be written in
// one call (MADV_POPULATE_WRITE, Linux 5.14), instead of one fault per page
// on first touch, which is costly on a virtual machine; the whole 2 MiB
// stretches inside it are asked to be 2 MiB pages (MADV_HUGEPAGE). Best
// effort: older kernels refuse it and the pages fault as usual; small
// buffers are left. Contents are kept.
void prefault(void* data, std::size_t bytes);

} // namespace noodle::util
