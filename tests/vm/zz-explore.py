# exploratory
import os, time
TIMEOUT = 300
KERNELS = [os.environ.get("BLK", "6.1")]
MODE = os.environ.get("BLMODE", "lvos")
QEMU = dict(memory="1024M", devices=["virtio-balloon-pci,id=balloon0,deflate-on-oom=on,free-page-reporting=on"], disks=[dict(name="c", size="1G", format="raw")])
MODULES = ["virtio_balloon"] if MODE == "stock" else []
LVOS = ["lvos_balloon"]
APPEND = os.environ.get("BLAPPEND", "")
GUEST = ('CACHE=1\n' if os.environ.get('BLCACHE') else '') + r'''
mount -t tmpfs -o size=1G tmpfs /mnt
dd if=/dev/zero of=/mnt/x bs=1M count=850 2>/dev/null; rm /mnt/x
[ -n "$CACHE" ] && dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null
free -m
vmtest_log ready
vmtest_wait_host done 120
B=/sys/kernel/lvos/balloon
[ -e $B/actual ] && for f in actual chunks pages floor working_set limit refused refuse_reason inflated inflate_us chunk_fallbacks; do echo "$f $(cat $B/$f)"; done
'''
def smaps(pid):
    r = {}
    for l in open("/proc/%d/smaps_rollup" % pid):
        p = l.split()
        if p[0] in ("Rss:", "AnonHugePages:"):
            r[p[0][:-1]] = int(p[1]) >> 10
    return r
def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=150)
    pid = vm.proc.pid
    print("RESULT", MODE, "before", smaps(pid), flush=True)
    for tgt in (256, 1024):
        t0 = time.monotonic()
        q.balloon(tgt << 20)
        while True:
            a = q.query_balloon()["actual"] >> 20
            if a <= tgt + 1 and a >= tgt - 1 or time.monotonic() - t0 > 60:
                break
            time.sleep(0.01)
        print("RESULT", MODE, tgt, "%.2f s" % (time.monotonic() - t0), a, smaps(pid), flush=True)
    vm.send("done")
