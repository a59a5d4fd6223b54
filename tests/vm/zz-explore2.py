# exploratory: overcommit
import os, time
TIMEOUT = 300
KERNELS = [os.environ.get("BLK", "6.1")]
MODE = os.environ.get("BLMODE", "lvos")
QEMU = dict(memory="512M", devices=["virtio-balloon-pci,id=balloon0,deflate-on-oom=on,free-page-reporting=on"])
MODULES = ["virtio_balloon"] if MODE == "stock" else []
LVOS = ["lvos_balloon"]
FILES = {"/bin/pagefile-hog": "tools/pagefile-hog"}
GUEST = r'''
B=/sys/kernel/lvos/balloon
pagefile-hog --wait-file /tmp/go 300 > /tmp/hog.out 2>&1 &
while ! grep -q ready /tmp/hog.out; do sleep 0.2; done
free -m
vmtest_log ready
vmtest_wait_host done 120
free -m
touch /tmp/go; wait
tail -1 /tmp/hog.out
grep oom_kill /proc/vmstat
[ -e $B/actual ] && for f in actual chunks pages floor working_set limit refused refuse_reason refusals inflated; do echo "$f $(cat $B/$f)"; done
[ -e $B/actual ] && grep . $B/deflated/*
dmesg | grep -i "lvos_balloon\|killed" | tail
vmtest_log phase2
vmtest_wait_host done2 120
free -m
[ -e $B/actual ] && for f in actual floor working_set limit refused refuse_reason refusals; do echo "$f $(cat $B/$f)"; done
pagefile-hog 300 > /tmp/hog2.out 2>&1; tail -1 /tmp/hog2.out
grep oom_kill /proc/vmstat
[ -e $B/actual ] && for f in actual floor working_set limit refused refuse_reason refusals; do echo "$f $(cat $B/$f)"; done
[ -e $B/actual ] && grep . $B/deflated/*
dmesg | grep -i "lvos_balloon\|killed" | tail
vmtest_ok x
'''
def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=150)
    t0 = time.monotonic()
    q.balloon(128 << 20)
    last = None; stable = t0
    while time.monotonic() - t0 < 20:
        a = q.query_balloon()["actual"] >> 20
        if a != last:
            last = a; stable = time.monotonic()
        if time.monotonic() - stable > 3:
            break
        time.sleep(0.05)
    print("RESULT", MODE, "settled at", last, "after %.2f s" % (stable - t0), flush=True)
    vm.send("done")
    vm.wait_line(r"# phase2$", timeout=150)
    q.balloon(512 << 20)
    time.sleep(2)
    q.balloon(200 << 20)
    time.sleep(3)
    print("RESULT", MODE, "phase2 before hog", q.query_balloon()["actual"] >> 20, flush=True)
    vm.send("done2")
    time.sleep(8)
    print("RESULT", MODE, "phase2 after hog", q.query_balloon()["actual"] >> 20, flush=True)
