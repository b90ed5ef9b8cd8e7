# SPDX-License-Identifier: Apache-2.0
# fish completion for noodle-upgrade. The candidates come from the binary
# itself (`noodle-upgrade __complete WORDS...`).
complete -c noodle-upgrade -f -a '(noodle-upgrade __complete (commandline -opc)[2..-1] (commandline -ct))'
