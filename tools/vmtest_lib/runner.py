# SPDX-License-Identifier: GPL-2.0-only
"""One (test, kernel) run, the accelerator probe and the job scheduler."""

import concurrent.futures
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import traceback

from .cpio import CpioWriter
from .guest import BUSYBOX, build_initramfs, plan_modules
from .kmod import ModuleError
from .machine import QEMU, VM, VMError, VMGroup, free_udp_ports, socket_dir
from .netns import NetnsError, TapNet
from .testfile import parse_size
from .netpv import Server, format_file
from .verdict import Verdict, parse_kunit, scan_console

HOST_JOIN_GRACE = 10.0     # s a host() thread may outlive its guests


class RunError(Exception):
    pass


class Run:
    """What check(run) receives."""

    def __init__(self, test, kernel, rundir, guests):
        self.test = test.name
        self.kernel = kernel.name
        self.release = kernel.release
        self.kernel_tree = kernel.tree if kernel.debug else None
        self.dir = rundir
        self.guests = guests              # names
        self.files = {}                   # name (or "guest/name") -> path
        self.verdicts = {}                # guest -> Verdict
        self.consoles = {}                # guest -> console log path
        self.shm_path = None
        self.server = None                # SHM doorbell: the ivshmem server

    def console_text(self, guest=None):
        path = self.consoles[guest or self.guests[0]]
        with open(path, errors="replace") as f:
            return f.read()


def _short(s, n=200):
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[:n - 3] + "..."


# ---------------------------------------------------------------------------
# accelerator
def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


def probe_kvm(kernel, workdir, timeout=20.0):
    """Boot a stock kernel under KVM to a one-line initramfs; True if it
    reports back within timeout (nested KVM on these hosts hangs instead)."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm not accessible"
    d = tempfile.mkdtemp(prefix="kvmprobe-", dir=workdir)
    c = CpioWriter()
    c.chardev("dev/console", 5, 1)
    with open(BUSYBOX, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    c.file("init", "#!/bin/busybox sh\n/bin/busybox mount -t devtmpfs d /dev\n"
                   "echo vmtest-kvm-ok >/dev/ttyS1\n/bin/busybox poweroff -f\n", 0o755)
    c.write_gz(os.path.join(d, "initrd"))
    out = os.path.join(d, "ttyS1")
    # -cpu qemu64: what tests boot by default (-cpu host dies at once on
    # these hosts with "failed to set MSR 0x10a"; qemu64 hangs instead).
    cmd = [QEMU, "-accel", "kvm", "-M", "pc", "-cpu", "qemu64", "-m", "256M", "-nographic",
           "-nodefaults", "-no-reboot", "-kernel", kernel.bzimage,
           "-initrd", os.path.join(d, "initrd"), "-append", "console=ttyS0 panic=-1",
           "-serial", "file:%s" % os.path.join(d, "console"), "-serial", "file:%s" % out]
    t0 = time.monotonic()
    with open(os.path.join(d, "qemu.log"), "w") as log:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
    ok = os.path.exists(out) and "vmtest-kvm-ok" in open(out, errors="replace").read()
    detail = "KVM boot %s after %.1fs" % ("succeeded" if ok else "failed/hung", time.monotonic() - t0)
    with open(os.path.join(d, "qemu.log"), errors="replace") as f:
        err = " | ".join(l.strip() for l in f.read().splitlines()[-2:])
    if err and not ok:
        detail += " (%s)" % err
    shutil.rmtree(d, ignore_errors=True)
    return ok, detail


def choose_accel(kernels, outdir, log):
    want = os.environ.get("LVOS_ACCEL", "auto")
    if want in ("tcg", "kvm"):
        return want
    if want != "auto":
        raise RunError("LVOS_ACCEL must be tcg, kvm or auto, not %r" % want)
    cache = os.path.join(outdir, ".accel")
    try:
        with open(cache) as f:
            c = json.load(f)
        if c.get("boot_id") == _boot_id() and c.get("accel") in ("tcg", "kvm"):
            return c["accel"]
    except (OSError, ValueError):
        pass
    kernel = None
    for name in ("6.1", "6.12"):
        k = kernels.get(name)
        if not k.error:
            kernel = k
            break
    if kernel is None:
        return "tcg"
    log("vmtest: probing KVM (%s kernel, 20 s limit; result cached in %s)" % (kernel.name, cache))
    ok, detail = probe_kvm(kernel, outdir)
    accel = "kvm" if ok else "tcg"
    log("vmtest: %s -> using %s" % (detail, accel))
    with open(cache, "w") as f:
        json.dump(dict(accel=accel, detail=detail, boot_id=_boot_id(), time=time.time()), f)
    return accel


# ---------------------------------------------------------------------------
# one run
class Context:
    def __init__(self, repo, kernels, accel, timeout, keep, log):
        self.repo = repo
        self.outdir = os.path.join(repo, "build", "vmtest")
        self.kernels = kernels
        self.accel = accel
        self.timeout = timeout
        self.keep = keep
        self.log = log


def run_one(test, kname, ctx):
    t0 = time.monotonic()
    rundir = os.path.join(ctx.outdir, test.name, kname)
    res = dict(test=test.name, kernel=kname, ok=False, reason="", seconds=0.0,
               subtests=[], kunit=dict(passed=0, failed=0),
               log=os.path.join(rundir, "console%s.log" % ("-" + test.guests[0].name
                                                          if test.multi else "")))
    reasons = []
    vms = []
    server = None
    sock_tmp = None
    lockf = None
    tapnet = None
    try:
        kernel = ctx.kernels.get(kname)
        if kernel.error:
            raise RunError(kernel.error)
        # Another vmtest running the same test on the same kernel would
        # share this run directory: take turns.
        os.makedirs(os.path.dirname(rundir), exist_ok=True)
        lockf = open(os.path.join(os.path.dirname(rundir), ".%s.lock" % kname), "w")
        try:
            fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            ctx.log("vmtest: %s [%s]: waiting for another vmtest using %s"
                    % (test.name, kname, rundir))
            fcntl.flock(lockf, fcntl.LOCK_EX)
        t0 = time.monotonic()
        if os.path.isdir(rundir):
            shutil.rmtree(rundir)
        os.makedirs(rundir)
        sockdir, sock_tmp = socket_dir(rundir)
        ko_dir = None
        if any("/" not in m for g in test.guests for m in g.lvos):
            ko_dir = ctx.kernels.ko_dir(kernel)

        # link and shared memory
        extra = {g.name: [] for g in test.guests}
        if test.link == "net":
            ports = free_udp_ports(2)
            for i, g in enumerate(test.guests):
                extra[g.name] += [
                    "-netdev", "socket,id=vmtest-link,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d"
                    % (ports[1 - i], ports[i]),
                    "-device", "virtio-net-pci,netdev=vmtest-link,mac=52:54:00:12:34:%02x"
                    % (0x10 + i)]
        elif test.link == "tap":
            tapnet = TapNet(len(test.guests), test.link_queues).create()
            for i, g in enumerate(test.guests):
                extra[g.name] += tapnet.args(i, "52:54:00:12:34:%02x" % (0x10 + i))
        shm_path = None
        if test.shm:
            shm_path = os.path.join(rundir, "shm")
            server = start_shm(test.shm, shm_path, sockdir, rundir, len(test.guests))
            for g in test.guests:
                if server is not None:
                    extra[g.name] += [
                        "-chardev", "socket,id=vmtest-ivs,path=%s" % server.socket_path,
                        "-device", "ivshmem-doorbell,chardev=vmtest-ivs,vectors=%d,"
                        "id=vmtest-ivshmem" % server.vectors]
                else:
                    extra[g.name] += [
                        "-object", "memory-backend-file,id=vmtest-shm,mem-path=%s,size=%s,"
                        "share=on" % (shm_path, test.shm["size"]),
                        "-device", "ivshmem-plain,memdev=vmtest-shm,id=vmtest-ivshmem"]

        timeout = (ctx.timeout or test.timeout) * kernel.timeout_factor
        for g in test.guests:
            stock, lvos, notes = plan_modules(g, kernel, ko_dir)
            initrd = os.path.join(rundir, "initramfs%s.cpio.gz"
                                  % ("-" + g.name if test.multi else ""))
            build_initramfs(initrd, g, kernel, test.name, stock, lvos, notes, len(test.guests))
            vms.append(VM(rundir, sockdir, g.name, g.index, test.multi, kernel, ctx.accel,
                          g.qemu, initrd, g.append, extra[g.name], shm_path))
            vms[-1].server = server
        run = Run(test, kernel, rundir, [g.name for g in test.guests])
        run.shm_path = shm_path
        run.server = server
        for vm in vms:
            run.consoles[vm.name] = vm.console_path
        if tapnet is not None:      # QEMU runs inside the link's namespace
            for vm in vms:
                vm.cmd = tapnet.wrap(vm.cmd)

        t_boot = time.monotonic()
        for vm in vms:
            vm.deadline = t_boot + timeout
            since = len(server.events) if server is not None else 0
            vm.start()
            if server is not None:
                wait_shm_client(server, vm, since)
        # Connect QMP now so every event from boot on is queued for host().
        for vm in vms:
            try:
                vm.qmp_client
            except Exception as e:
                reasons.append("QMP (%s): %s" % (vm.name, _short(e)))

        host_err = []
        host_thread = None
        if test.host is not None:
            arg = VMGroup(vms, rundir, shm_path, server) if test.multi else vms[0]

            def host_main():
                try:
                    test.host(arg)
                except Exception as e:
                    host_err.append("%s: %s" % (type(e).__name__, e))
                    with open(os.path.join(rundir, "host-traceback.txt"), "w") as f:
                        f.write(traceback.format_exc())
            if test.multi:
                arg.tapnet = tapnet
            host_thread = threading.Thread(target=host_main, daemon=True,
                                           name="host-%s-%s" % (test.name, kname))
            host_thread.start()

        deadline = t_boot + timeout
        timed_out = False
        while any(vm.alive() for vm in vms):
            if time.monotonic() > deadline:
                timed_out = True
                for vm in vms:
                    vm.kill("timeout")
                break
            if host_err:
                for vm in vms:
                    vm.kill("host() failed")
                break
            # A guest that died without finishing dooms the run: stop its peers
            # (unless host() killed it on purpose: vm.kill()).
            for vm in vms:
                if not vm.alive() and not vm.crashed and not Verdict(vm.verdict_text()).done:
                    for other in vms:
                        other.kill("peer %s exited without finishing" % vm.name)
            time.sleep(0.1)
        if host_thread is not None:
            host_thread.join(max(0.0, min(HOST_JOIN_GRACE, deadline + 5 - time.monotonic())))
            if host_thread.is_alive():
                host_err.append("still running after the guests stopped")
        if tapnet is not None:
            tapnet.delete()         # the guests are gone: before check()

        # ---- verdict
        if timed_out:
            reasons.append("timeout after %ds" % timeout)
        if host_err:
            reasons.append("host(): " + _short(host_err[0], 300))
        kunit = dict(passed=0, failed=0, skipped=0)
        kunit_seen = False
        for vm in vms:
            who = ("guest %s: " % vm.name) if test.multi else ""
            pre = ("%s: " % vm.name) if test.multi else ""
            v = Verdict(vm.verdict_text())
            run.verdicts[vm.name] = v
            hits = scan_console(vm.console_text())
            if hits:
                name, line = hits[0]
                more = " (+%d more)" % (len(hits) - 1) if len(hits) > 1 else ""
                reasons.append("%sconsole %s: %s%s" % (who, name, _short(line, 160), more))
            for ok, name, why in v.subtests:
                st = dict(ok=ok, name=pre + name)
                if why:
                    st["why"] = why
                res["subtests"].append(st)
            fails = v.failures
            if fails:
                reasons.append("%snot ok: %s" % (who, "; ".join(
                    _short(n + (" (%s)" % w if w else ""), 120) for n, w in fails[:3])
                    + (" (+%d more)" % (len(fails) - 3) if len(fails) > 3 else "")))
            if vm.crashed:
                res["subtests"].append(dict(ok=True, name="%s%s" % (pre, vm.crashed)))
            elif not v.done:
                if vm.killed and vm.killed != "timeout":
                    why = "killed: %s" % vm.killed
                elif vm.killed:
                    why = "timed out"
                else:
                    qe = vm.qemu_errors()
                    why = "QEMU exited: %s" % qe if qe else "guest stopped early (panic? poweroff?)"
                reasons.append("%sno 'lvos-vmtest: done' (%s)" % (who, why))
            if not v.started and not vm.killed and not vm.crashed:
                reasons.append("%sguest never started (%s)" % (who, vm.qemu_errors() or
                                                                 "see console log"))
            if v.done and not v.guest_subtests and not v.failures:
                reasons.append("%szero subtests from the GUEST script" % who)
            fdir = os.path.join(rundir, "files", vm.name if test.multi else "")
            for fname, data in v.files.items():
                key = pre.replace(": ", "/") + fname
                if data is None:
                    reasons.append("%sfile %s: transfer truncated" % (who, fname))
                    continue
                path = os.path.normpath(os.path.join(fdir, fname))
                if not path.startswith(rundir + os.sep):
                    reasons.append("%sfile %s: bad name" % (who, fname))
                    continue
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
                run.files[key] = path
                if fname.startswith("kunit/"):
                    kunit_seen = True
                    suite = fname[len("kunit/"):]
                    kr = parse_kunit(data.decode(errors="replace"), suite=suite,
                                     allowed_skips=getattr(test.module,
                                                           "KUNIT_ALLOWED_SKIPS", None))
                    for k in ("passed", "failed", "skipped"):
                        kunit[k] += kr[k]
                    for ok, case in kr["cases"]:
                        res["subtests"].append(dict(ok=ok, name="%skunit %s.%s" % (pre, suite, case)))
                    if kr["failed"] or kr["suite_ok"] is False or kr["problems"]:
                        reasons.append("%skunit suite %s: %d failed%s" % (
                            who, suite, kr["failed"],
                            (", " + "; ".join(kr["problems"][:2])) if kr["problems"] else ""))

        # ---- check()
        if test.check is not None:
            try:
                out = test.check(run)
                subs = out
                if isinstance(out, dict):
                    subs = out.get("subtests", [])
                    if "kunit" in out:
                        kunit = dict(out["kunit"])
                        kunit_seen = True
                        if kunit.get("failed"):
                            reasons.append("check(): kunit %s failed" % kunit["failed"])
                for ok, name in subs or []:
                    res["subtests"].append(dict(ok=bool(ok), name="check: %s" % name))
                    if not ok:
                        reasons.append("check(): not ok: %s" % _short(name, 120))
            except Exception as e:
                reasons.append("check(): %s: %s" % (type(e).__name__, _short(e, 300)))
                with open(os.path.join(rundir, "check-traceback.txt"), "w") as f:
                    f.write(traceback.format_exc())
        if kunit_seen:
            res["kunit"] = kunit
        if not reasons and not res["subtests"]:
            reasons.append("zero subtests")
        # the failing guest's console is the one to read
        for vm in vms:
            v = run.verdicts.get(vm.name)
            if v is not None and (v.failures or (not v.done and not vm.crashed)):
                res["log"] = vm.console_path
                break
    except (RunError, ModuleError, VMError, NetnsError) as e:
        reasons.append(str(e))
    except Exception as e:
        reasons.append("harness error: %s: %s" % (type(e).__name__, e))
        traceback.print_exc()
    finally:
        for vm in vms:
            vm.kill("harness cleanup")
            vm.close()
        if server is not None:
            stop_shm(server)
        if sock_tmp:
            shutil.rmtree(sock_tmp, ignore_errors=True)
        if tapnet is not None:
            tapnet.delete()
        if not ctx.keep and os.path.isdir(rundir):
            for f in os.listdir(rundir):
                if f.endswith((".cpio.gz", ".qcow2", ".raw", ".sock")) or f == "shm":
                    try:
                        os.unlink(os.path.join(rundir, f))
                    except OSError:
                        pass
    if not os.path.exists(res["log"]):
        res["log"] = None
    res["ok"] = not reasons
    res["reason"] = "; ".join(reasons)
    res["seconds"] = round(time.monotonic() - t0, 1)
    if os.path.isdir(rundir):
        with open(os.path.join(rundir, "result.json"), "w") as f:
            json.dump(res, f, indent=1)
    if lockf is not None:
        lockf.close()
    return res


def start_shm(shm, path, sockdir, rundir, nguests):
    """Make the SHM region at path: formatted (or zeroed) for ivshmem-plain,
    or served by an in-process lvos-ivshmem-server (returned; its log is
    ivshmem-server.log in the run dir) for ivshmem-doorbell - before any
    QEMU starts, as QEMU reads the server's setup messages in realize."""
    fmt = shm["format"]
    if not shm["doorbell"]:
        if fmt is None:
            with open(path, "wb") as f:
                f.truncate(shm["bytes"])
        else:
            fd, _ = format_file(path, shm["bytes"], fmt["peers"], fmt["queues"],
                                fmt["entries"], fmt["arena"], fmt["name"], mode=0o644)
            os.close(fd)
        return None
    logf = open(os.path.join(rundir, "ivshmem-server.log"), "w")
    lock = threading.Lock()

    def log(line):
        with lock:
            if not logf.closed:
                logf.write("%.3f %s\n" % (time.monotonic(), line))
                logf.flush()
    f = fmt or dict(peers=max(2, nguests), queues=1, entries=256, arena=512 << 10,
                    name="vmtest")
    server = Server(os.path.join(sockdir, "ivshmem.sock"), path, name=f["name"],
                    peers=f["peers"], queues=f["queues"], entries=f["entries"],
                    arena=f["arena"], vectors=shm["vectors"], size=shm["bytes"],
                    raw=fmt is None, mode=0o644, verbose=True, log=log)
    server.logfile = logf
    try:
        server.start_thread()
    except (ValueError, OSError) as e:
        logf.close()
        raise RunError("SHM: ivshmem server: %s" % e)
    except BaseException:
        logf.close()
        raise
    return server


def wait_shm_client(server, vm, since, limit=60.0):
    """Wait until vm's QEMU is the server's client (it connects while it
    creates the device), so the guests get ids 0, 1, ... in GUESTS order;
    sets vm.shm_id.  A QEMU that exits first is left to the run's checks."""
    deadline = time.monotonic() + limit
    while True:
        try:
            i = server.wait_event("connect", None, timeout=0.2, since=since)
            vm.shm_id = server.events[i][2]
            return
        except TimeoutError:
            pass
        if not vm.alive():
            return
        if time.monotonic() > deadline:
            raise RunError("SHM: guest %s's QEMU did not connect to the ivshmem server in %.0f s"
                           % (vm.name, limit))


def stop_shm(server):
    server.stop()
    server.logfile.close()


def run_all(jobs, ctx, parallel, report):
    """jobs: [(test, kernel name)]; report(result) is called as each ends."""
    results = [None] * len(jobs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, parallel)) as ex:
        futs = {ex.submit(run_one, t, k, ctx): i for i, (t, k) in enumerate(jobs)}
        for fut in concurrent.futures.as_completed(futs):
            r = fut.result()
            results[futs[fut]] = r
            report(r)
    return results
