# SPDX-License-Identifier: GPL-2.0-only
# tools/vmtest self-test: DMI from -smbios, the verdict channel (ttyS1),
# QMP from a host() thread, the host->guest channel (ttyS2), and a virtio-blk
# disk grown with QMP block_resize while the guest watches.
#
#   tools/vmtest tests/vm/harness-smoke.py

KERNELS = ["6.1"]
TIMEOUT = 90

SIZE = 64 << 20           # d0 at boot
GROWN = 96 << 20          # after block_resize

QEMU = dict(
    smbios=["type=1,manufacturer=LvosTest,product=Smoke"],
    disks=[dict(name="d0", size="64M", format="qcow2", bus="virtio-blk")],
)

GUEST = r'''
vmtest_eq "dmi sys_vendor" "$(cat /sys/class/dmi/id/sys_vendor)" LvosTest
vmtest_eq "dmi product_name" "$(cat /sys/class/dmi/id/product_name)" Smoke
vmtest_check "verdict port is a 16550 (ttyS1)" grep -q '^1: uart:16550A port:000002F8' /proc/tty/driver/serial
vmtest_check "vda appears" vmtest_wait_for 20 test -e /sys/block/vda/size
vmtest_eq "vda size at boot (sectors)" "$(cat /sys/block/vda/size)" %(size_sectors)d

# Synchronise with host(): it waits for this line on the verdict channel.
vmtest_log ready

line=$(vmtest_wait_host '^status ' 60)
vmtest_eq "host saw QMP query-status" "$line" "status running"
vmtest_check "host->guest channel delivers 'hello'" vmtest_wait_host '^hello$' 30

line=$(vmtest_wait_host '^resized ' 60)
want=${line#resized }
vmtest_eq "host announced the new size" "$want" %(grown_sectors)d
# Bounded poll, no blind sleep: virtio-blk config change -> set_capacity_and_notify.
vmtest_check "vda grows to $want sectors" \
	vmtest_wait_for 30 sh -c "[ \"\$(cat /sys/block/vda/size)\" = '$want' ]"
cat /sys/block/vda/size >/tmp/vda-size
vmtest_send_file vda-size /tmp/vda-size
''' % dict(size_sectors=SIZE // 512, grown_sectors=GROWN // 512)


def host(vm):
    vm.wait_line(r"^# ready$", 600)          # bounded by the run's timeout anyway
    status = vm.qmp("query-status")
    vm.send("status %s" % status["status"])
    vm.send("hello")
    vm.qmp("block_resize", device="d0", size=GROWN)
    vm.send("resized %d" % (GROWN // 512))
    vm.wait_line(r"vda grows to", 600)


def check(run):
    with open(run.files["vda-size"]) as f:
        size = f.read().strip()
    boot = run.console_text()
    return [
        (size == str(GROWN // 512), "guest sent vda size %s (want %d)" % (size, GROWN // 512)),
        ("Run /init as init process" in boot, "console log captured the boot"),
    ]
