// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

namespace noodle::util {

// Asks the kernel to map the pages of a large buffer about to be written in
// one call (MADV_POPULATE_WRITE, Linux 5.14), instead of one fault per page
// on first touch, which is costly on a virtual machine. Best effort: older
// kernels refuse it and the pages fault as usual; small buffers are left.
void prefault(void* data, std::size_t bytes);

} // namespace noodle::util
