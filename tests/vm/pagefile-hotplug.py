# SPDX-License-Identifier: GPL-2.0-only
# lvos_pagefile follows the guest's RAM: after a 256 MiB pc-dimm is
# hot-added (and onlined: by the kernel on 6.12, by the test on 6.1, whose
# default leaves it offline), the cap of a volume in use as swap and the
# size and cap of an idle one move to the new MemTotal without any sysfs
# write; a later cap_percent change applies at once.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 240
QEMU = dict(memory="384M,slots=2,maxmem=1G", smp="1")
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
# a long purge interval: only the memory notifier can explain a quick change
LVOS_PARAMS = {"lvos_pagefile": "num_devices=2 purge_interval=3600"}
FILES = pfcommon.FILES

GUEST = pfcommon.HELPERS + r'''
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon pagefile0" swapon /dev/pagefile0
kb0=$(memtotal_kb)
size0=$(pfv disksize)
vmtest_eq "pagefile1 is 50% of RAM" "$(( $(pfv disksize pagefile1) / 4096 ))" "$(( kb0 / 4 * 50 / 100 ))"
vmtest_log ready
vmtest_wait_host added 60
# 6.12 onlines hot-added memory by itself (Debian's config, and the 6.12
# debug kernel's); 6.1 leaves it offline, so the test onlines it there
if [ "$LVOS_SERIES" != 6.12 ]; then
	vmtest_wait_for 30 sh -c 'grep -q offline /sys/devices/system/memory/memory*/state'
	for b in /sys/devices/system/memory/memory*; do
		grep -q offline $b/state 2>/dev/null && echo online_movable > $b/state
	done
fi
vmtest_wait_for 30 sh -c "test \$(awk '/^MemTotal/ {print \$2}' /proc/meminfo) -gt $kb0"
kb1=$(memtotal_kb)
vmtest_check "MemTotal grew ($kb0 -> $kb1 KiB)" test "$kb1" -gt "$kb0"
want=$(( kb1 / 4 * 25 / 100 * 4096 ))
vmtest_wait_for 30 sh -c "test \$(cat /sys/block/pagefile0/pagefile/mem_limit) -eq $want"
vmtest_eq "cap of the swap volume follows RAM" "$(pfv mem_limit)" "$want"
vmtest_eq "size of the volume in use unchanged" "$(pfv disksize)" "$size0"
vmtest_eq "cap of the idle volume follows RAM" "$(pfv mem_limit pagefile1)" "$want"
vmtest_eq "size of the idle volume follows RAM" "$(( $(pfv disksize pagefile1) / 4096 ))" "$(( kb1 / 4 * 50 / 100 ))"
vmtest_eq "block layer sees the new size" "$(cat /sys/block/pagefile1/size)" "$(( $(pfv disksize pagefile1) / 512 ))"
vmtest_check "cap_percent 40" sh -c 'echo 40 > /sys/block/pagefile0/pagefile/cap_percent'
vmtest_eq "cap applied at once" "$(pfv mem_limit)" "$(( kb1 / 4 * 40 / 100 * 4096 ))"
vmtest_check "swapoff" swapoff /dev/pagefile0
'''


def host(vm):
    vm.wait_line(r"# ready", timeout=120)
    vm.qmp_client.dimm_add("dimm0", 256 << 20)
    vm.send("added")
