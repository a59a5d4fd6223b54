# SPDX-License-Identifier: GPL-2.0-only
# lvos_hvdetect loads and unloads cleanly in a loop while readers hammer its
# sysfs files: the directory appears and disappears each time, the answer
# is the same every time, and (on the debug kernel) KASAN, lockdep and
# kmemleak see nothing.
KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 120
LVOS = ["lvos_hvdetect"]
LOOPS = 10

GUEST = r'''
ko=/lib/lvos/lvos_hvdetect.ko
first=$(cat /sys/kernel/lvos/hv/vendor)
vmtest_check "first load answered" test -n "$first"
# readers racing with unload: errors are expected, crashes are not
( while :; do cat /sys/kernel/lvos/hv/* /sys/kernel/lvos/hv/caps/* >/dev/null 2>&1; done ) &
reader=$!
bad=0
i=0
while [ $i -lt %(loops)d ]; do
	rmmod lvos_hvdetect || { bad=1; vmtest_fail "rmmod in loop $i"; break; }
	[ -e /sys/kernel/lvos ] && { bad=1; vmtest_fail "/sys/kernel/lvos left after rmmod $i"; break; }
	insmod $ko || { bad=1; vmtest_fail "insmod in loop $i"; break; }
	v=$(cat /sys/kernel/lvos/hv/vendor)
	[ "$v" = "$first" ] || { bad=1; vmtest_fail "answer changed in loop $i" "$v != $first"; break; }
	i=$((i + 1))
done
kill $reader
wait $reader 2>/dev/null
vmtest_eq "load/unload loops completed" "$i" %(loops)d
vmtest_eq "no loop failed" "$bad" 0
''' % dict(loops=LOOPS)
