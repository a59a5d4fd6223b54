# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Boot 5 (6.1) after the purge: a clean system.
vmtest_eq "after purge: systemd running (not degraded)" "$(systemctl is-system-running)" running
vmtest_eq "after purge: no failed unit" "$(systemctl --failed --plain --no-legend | tr '\n' ' ')" ""
vmtest_eq "after purge: no lvos module loaded" "$(grep -c '^lvos_' /proc/modules)" 0
