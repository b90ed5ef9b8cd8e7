// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/diagnostic.hpp>
#include <noodle/manifest/model.hpp>

#include <vector>

namespace noodle::manifest {

// Catalog-level checks that need every manifest at once:
//  - error   missing_dependency: a dependency names no component in the catalog
//  - error   not_found:          a compatibility rule names no component
//  - warning unsatisfiable:      no catalog version satisfies a dependency range,
//                                or any range of a compatibility rule
//  - warning no_upgrade_path:    an upgrade_from range matches no lower version
//  - error   dependency_cycle:   versions that depend on each other in a
//                                ring, with the path ("a@1.0.0 -> b@1.0.0 ->
//                                a@1.0.0"); at most 10 are reported
// Locations come from the manifests (Manifest::field_where); source_line is
// left empty (see attach_source_lines). Deterministic: catalog order.
std::vector<Diagnostic> validate_catalog(const Catalog& catalog);

} // namespace noodle::manifest
