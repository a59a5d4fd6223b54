# SPDX-License-Identifier: GPL-2.0-only
# Fuzzing lvos_balloon (tools/lvos-sysfs-fuzz): every writable file of
# /sys/kernel/lvos/balloon gets 10^4 generated inputs one at a time plus
# 2 x 4 x 250 from concurrent writers, while the host moves its balloon
# target up and down through QMP (inflating and deflating: the settings
# change under a running balloon, the floor with them). Each write is
# judged against docs/ABI/sysfs-kernel-lvos-balloon; the log must stay
# ratelimited; every setting is put back, and the balloon then follows the
# host's target again. Then every module parameter gets 200 generated
# values (25 on the debug kernel: fzcommon) through finit_module (each
# load binds the balloon device): refused with an errno and a log line, or
# loaded with the value in effect and unloaded.
#
# rcu_expedited: every module load and unload waits for RCU grace
# periods; expedited, a load costs a quarter of the time under TCG.
# log_buf_len: the fuzzer reads the kernel log after each file (it counts
# the lines and looks for warnings); accepted writes log thousands of lines
# that must not wrap the ring before it does.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402
import fzcommon  # noqa: E402
from blcommon import MiB  # noqa: E402

KERNELS = ["debug", "6.1"]
TIMEOUT = 300
APPEND = "rcupdate.rcu_expedited=1 log_buf_len=8M"
QEMU = dict(memory="512M", devices=[blcommon.device(oom=True, report=True)])
LVOS = blcommon.LVOS
FILES = dict(blcommon.FILES, **fzcommon.FILES)

GUEST = blcommon.HELPERS + fzcommon.HELPERS + r'''
vmtest_check "bound" bl_take
# rounds (seed 1, 2, ...) until the host has moved its target a dozen times
rm -f /tmp/bl-done
( vmtest_wait_host "^balloon-done" 300 >/dev/null; touch /tmp/bl-done ) &
vmtest_log fuzzing
fz_run sysfs --min-files 12 --state /tmp/fz.state --until /tmp/bl-done
vmtest_check "settings restored" lvos-sysfs-fuzz --restore /tmp/fz.state
vmtest_log "$(for f in actual target refuse_reason refusals inflated stalls; do printf '%s=%s ' $f "$(bl $f)"; done)"
vmtest_log final
vmtest_wait_host "^final-target" 60 >/dev/null
vmtest_check "the balloon follows the host's target after the fuzzing" vmtest_wait_for 60 sh -c "test \$(cat $B/actual) -eq $(( 128 * 256 ))"
vmtest_check "unload" rmmod lvos_balloon
vmtest_log params
vmtest_wait_host "^no-target" 60 >/dev/null
fz_run params --params /lib/lvos/lvos_balloon.ko $FZ_PARAMS
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# fuzzing$", timeout=200)
    for i in range(12):
        q.balloon((256 if i % 2 else 448) * MiB)
        time.sleep(0.5)
    vm.send("balloon-done")
    vm.wait_line(r"# final$", timeout=600)
    q.balloon(384 * MiB)
    vm.send("final-target")
    # each parameter load binds the device: nothing to inflate then
    vm.wait_line(r"# params$", timeout=120)
    q.balloon(512 * MiB)
    vm.send("no-target")
