# SPDX-License-Identifier: GPL-2.0-only
"""One QEMU guest of a run, and the `vm` object a test's host() receives.

Serial ports (all 8250, built into every kernel we boot):
  ttyS0  console            -> console[-NAME].log
  ttyS1  verdict channel    -> verdict[-NAME].log (only the guest library writes here)
  ttyS2  host -> guest      <- unix socket; vm.send() / vmtest_wait_host
QMP on another unix socket (vm.qmp / vm.qmp_client)."""

import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from .qmp import QMP
from .verdict import Verdict, verdict_lines

QEMU = "qemu-system-x86_64"
CMDLINE = "console=ttyS0 panic=-1 loglevel=7"
# Under TCG a guest second can take many host seconds (the KASAN/lockdep
# debug kernel: 25 s in ACPI init on a busy host), so the wall-clock
# detectors fire on emulation speed alone: the RCU stall detector (default
# 21 s) and the soft-lockup watchdog (2 x 10 s).  Stretch both to their
# maximum (300 s; 2 x 60 s), beyond any run's timeout, which is what
# catches a real hang.  Lockdep, KASAN, UBSAN, kmemleak and WARN/BUG
# reporting are untouched.
#
# The guest's CRNG is seeded from RDRAND at boot, before the second vCPU
# starts: otherwise "crng init done" comes seconds into a test and flips
# a static key (text_poke_bp, int3 patching) while the other vCPU runs the
# patched code; under TCG that vCPU can execute the stale int3 after the
# patching is over: "Oops: int3" in urandom_read_iter (seen in CI,
# pagefile-slow-backing [6.12], 1 run in 3 here).  TCG emulates RDRAND.
TCG_CMDLINE = ("rcupdate.rcu_cpu_stall_timeout=300 watchdog_thresh=60"
               " random.trust_cpu=on")
TCG_CPU_FLAGS = ",+rdrand"

# -device/-drive per disk bus; controllers are added once per guest.
CONTROLLERS = {
    "virtio-scsi": ("virtio-scsi-pci", "vmtest-vscsi"),
    "pvscsi": ("pvscsi", "vmtest-pvscsi"),
    "scsi-hd-on-lsi": ("lsi53c895a", "vmtest-lsi"),
}


class VMError(Exception):
    pass


class VMExited(VMError):
    pass


def make_disk(path, fmt, size):
    if shutil.which("qemu-img"):
        p = subprocess.run(["qemu-img", "create", "-q", "-f", fmt, path, size],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        if p.returncode != 0:
            raise VMError("qemu-img create %s failed: %s" % (path, p.stdout.strip()))
    elif fmt == "raw":
        from .testfile import parse_size
        with open(path, "wb") as f:
            f.truncate(parse_size(size))
    else:
        raise VMError("qemu-img not found (apt-get install qemu-utils) for %s disk %s"
                      % (fmt, path))


def disk_args(qemu, prefix, rundir, images=None):
    """-drive/-device arguments for the test's disks (images created here;
    images, if given, gets name -> dict(path, format, bus, size, discard))."""
    args, have = [], set()
    for d in qemu["disks"]:
        name = d["name"]
        img = os.path.join(rundir, "%s%s.%s" % (prefix, name, d["format"]))
        make_disk(img, d["format"], d["size"])
        if images is not None:
            images[name] = dict(path=img, format=d["format"], bus=d["bus"],
                                size=d["size"], discard=d.get("discard", False))
        # discard=unmap: guest discards punch holes in the image (qcow2 passes
        # them on to the file); the default (ignore) drops them.
        args += ["-drive", "if=none,id=%s,file=%s,format=%s,cache=unsafe%s"
                 % (name, img, d["format"], ",discard=unmap" if d.get("discard") else "")]
        bus = d["bus"]
        if bus in CONTROLLERS:
            ctrl, cid = CONTROLLERS[bus]
            if cid not in have:
                have.add(cid)
                args += ["-device", "%s,id=%s" % (ctrl, cid)]
            # scsi-hd offers UNMAP whatever the drive's discard setting
            args += ["-device", "scsi-hd,drive=%s,id=dev-%s,bus=%s.0,serial=%s"
                     % (name, name, cid, d["serial"])]
        elif bus == "virtio-blk":
            args += ["-device", "virtio-blk-pci,drive=%s,id=dev-%s,serial=%s%s"
                     % (name, name, d["serial"], ",discard=on" if d.get("discard") else "")]
        elif bus == "nvme":
            # The namespace QEMU creates always offers Dataset Management
            # (deallocate).  It is never resizable: nvme-ns takes the drive
            # without the resize permission and sizes itself once at realize.
            args += ["-device", "nvme,drive=%s,id=dev-%s,serial=%s" % (name, name, d["serial"])]
    return args


class VM:
    """A guest.  Attributes for tests: name, index, dir, shm_path, server
    (SHM doorbell: the ivshmem server), kernel (name), release,
    console_path, verdict_path."""

    def __init__(self, rundir, sockdir, name, index, multi, kernel, accel, qemu,
                 initrd, append, extra_args, shm_path):
        self.name = name
        self.index = index
        self.dir = rundir
        self.shm_path = shm_path
        self.kernel = kernel.name
        self.release = kernel.release
        self.time_factor = kernel.time_factor
        sfx = "-" + name if multi else ""
        self.suffix = sfx
        self.console_path = os.path.join(rundir, "console%s.log" % sfx)
        self.verdict_path = os.path.join(rundir, "verdict%s.log" % sfx)
        self.qemu_log = os.path.join(rundir, "qemu%s.log" % sfx)
        self.qmp_path = os.path.join(sockdir, "qmp%s.sock" % sfx)
        self.host_path = os.path.join(sockdir, "host%s.sock" % sfx)
        self._qmp = None
        self._qmp_lock = threading.Lock()
        self._send_sock = None
        self._send_lock = threading.Lock()
        self._line_pos = 0
        self._event_pos = 0
        self.deadline = None        # monotonic time the run will be killed
        self.proc = None
        self.killed = None          # why the harness killed it
        self.crashed = None         # why the test killed it (vm.kill() from host())
        self.server = None          # SHM doorbell: the ivshmem server (runner)
        self.shm_id = None          # SHM doorbell: its id there (IVPosition, the slot)
        self.cmd = [
            QEMU, "-name", "vmtest-%s" % name,
            "-accel", accel + qemu.get("accel_opts", ""), "-M", qemu["machine"],
            "-cpu", qemu["cpu"] + (TCG_CPU_FLAGS if accel == "tcg" else ""),
            "-m", qemu["memory"], "-smp", qemu["smp"],
            "-nographic", "-nodefaults", "-no-reboot",
            "-kernel", kernel.bzimage, "-initrd", initrd,
            "-append", " ".join([CMDLINE] + ([TCG_CMDLINE] if accel == "tcg" else [])
                                + kernel.append + ([append] if append else [])),
            "-chardev", "file,id=vmtest-ttyS0,path=%s" % self.console_path,
            "-serial", "chardev:vmtest-ttyS0",
            "-chardev", "file,id=vmtest-ttyS1,path=%s" % self.verdict_path,
            "-serial", "chardev:vmtest-ttyS1",
            "-chardev", "socket,id=vmtest-ttyS2,path=%s,server=on,wait=off" % self.host_path,
            "-serial", "chardev:vmtest-ttyS2",
            "-chardev", "socket,id=vmtest-qmp,path=%s,server=on,wait=off" % self.qmp_path,
            "-mon", "chardev=vmtest-qmp,mode=control",
        ]
        for s in qemu["smbios"]:
            self.cmd += ["-smbios", s]
        for dev in qemu["devices"]:
            self.cmd += ["-device", dev]
        self.disks = {}             # name -> dict(path, format, bus, size, discard)
        self.cmd += disk_args(qemu, "%s-" % name if multi else "", rundir, self.disks)
        self.cmd += extra_args
        self.cmd += qemu["args"]

    def limit(self, seconds):
        """The deadline a test may set on something that should take about
        seconds: the harness's one scaling rule (kernels.TIME_SLACK x the
        kernel's timeout factor). Targets belong in tools/bench."""
        return seconds * self.time_factor

    # -- lifecycle (harness) ---------------------------------------------
    def start(self):
        for p in (self.console_path, self.verdict_path):
            open(p, "w").close()
        with open(os.path.join(self.dir, "qemu-cmd%s.sh" % self.suffix), "w") as f:
            f.write("#!/bin/sh\n# how vmtest started this guest (needs --keep for the images)\n")
            f.write(" ".join(shlex.quote(a) for a in self.cmd) + "\n")
        self.start_time = time.monotonic()
        if self.deadline is None:
            self.deadline = self.start_time + 3600
        self._logf = open(self.qemu_log, "w")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self._logf,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self, why=None):
        """SIGKILL QEMU.  From a test's host(): vm.kill() (no argument) kills
        this guest abruptly on purpose, as a host crash would - its doorbell
        server connection drops, so the server marks its slot DEAD; the run
        then does not require this guest's "done" (its results so far still
        count) and its peers keep running.  The harness passes why."""
        if why is None:
            why = "killed by the test"
            if self.alive():
                self.crashed = why
        if self.alive():
            self.killed = why
            try:
                self.proc.kill()
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        with self._qmp_lock:
            if self._qmp is not None:
                self._qmp.close()
        if self._send_sock is not None:
            self._send_sock.close()
        if getattr(self, "_logf", None):
            self._logf.close()

    def qemu_errors(self):
        try:
            with open(self.qemu_log, errors="replace") as f:
                return " | ".join(l.strip() for l in f.read().strip().splitlines()[-3:])
        except OSError:
            return ""

    # -- API for host() --------------------------------------------------
    @property
    def qmp_client(self):
        """The QMP object (see qmp.py) with helpers: block_resize, device_add,
        device_del, cpu_add, dimm_add, disk_add, balloon, qom_get, ..."""
        with self._qmp_lock:
            if self._qmp is None:
                self._qmp = QMP(self.qmp_path, alive=self.alive,
                                disks={n: d["bus"] for n, d in self.disks.items()})
            return self._qmp

    def qmp(self, cmd, **args):
        """Run a QMP command; returns its "return" value; QMPError on error."""
        return self.qmp_client.cmd(cmd, **args)

    def disk_path(self, name):
        """Host path of the image of the test's disk name."""
        try:
            return self.disks[name]["path"]
        except KeyError:
            raise VMError("guest %s has no disk %r (disks: %s)"
                          % (self.name, name, ", ".join(sorted(self.disks)) or "none"))

    def disk_allocated(self, name):
        """Bytes the host file system has allocated for the image of disk
        name (st_blocks * 512, what du shows; qcow2 metadata included)."""
        return os.stat(self.disk_path(name)).st_blocks * 512

    def events(self, name=None):
        """QMP events since QEMU started (optionally only those called name)."""
        return self.qmp_client.events(name)

    def wait_event(self, name, timeout=30.0, match=None):
        """Wait for the next event called name (and match(event), if given)
        after the one the previous wait_event returned; returns it."""
        q = self.qmp_client
        e = q.wait_event(name, timeout, match=match, since=self._event_pos)
        self._event_pos = q.events().index(e) + 1
        return e

    def console_text(self):
        with open(self.console_path, errors="replace") as f:
            return f.read()

    def verdict_text(self):
        with open(self.verdict_path, errors="replace") as f:
            return f.read()

    def wait_line(self, regex, timeout=30.0):
        """Wait for a verdict-channel line (after the previous match) that
        matches regex (re.search); returns the re.Match."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            exited = not self.alive()
            lines = verdict_lines(self.verdict_text())
            for i in range(self._line_pos, len(lines)):
                m = rx.search(lines[i])
                if m:
                    self._line_pos = i + 1
                    return m
            if exited:
                raise VMExited("guest %s exited before a verdict line matching /%s/"
                               % (self.name, regex))
            if time.monotonic() > deadline:
                raise TimeoutError("no verdict line matching /%s/ from guest %s in %.0fs "
                                   "(last: %r)" % (regex, self.name, timeout,
                                                   lines[-1] if lines else None))
            time.sleep(0.05)

    def send(self, text, timeout=None):
        """Send text (a line; newline added) to the guest's ttyS2, once its
        reader is up (waiting at most timeout s, default: as long as the run
        may last); the guest reads it with vmtest_wait_host."""
        with self._send_lock:
            if self._send_sock is None:
                deadline = self.deadline if timeout is None else time.monotonic() + timeout
                while not Verdict(self.verdict_text()).host_ready:
                    if not self.alive():
                        raise VMExited("guest %s exited before its host channel was ready"
                                       % self.name)
                    if time.monotonic() > deadline:
                        raise TimeoutError("guest %s host channel not ready in %.0fs"
                                           % (self.name, timeout))
                    time.sleep(0.05)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.host_path)
                self._send_sock = s
            data = text if text.endswith("\n") else text + "\n"
            self._send_sock.sendall(data.encode())


class VMGroup:
    """What host() gets for a GUESTS test: vms["a"], vms[0], iteration,
    vms.dir, vms.shm_path, vms.server (SHM doorbell: the ivshmem server)."""

    def __init__(self, vms, rundir, shm_path, server=None):
        self.vms = list(vms)
        self.dir = rundir
        self.shm_path = shm_path
        self.server = server
        self.guests = {vm.name: vm for vm in self.vms}

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.vms[key]
        return self.guests[key]

    def __iter__(self):
        return iter(self.vms)

    def __len__(self):
        return len(self.vms)


def free_udp_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def socket_dir(rundir):
    """Unix socket paths are limited to 107 bytes: use the run dir when it
    is short enough, else a private directory in /tmp."""
    if len(os.path.join(rundir, "qmp-xxxxxxxx.sock")) < 100:
        return rundir, None
    d = tempfile.mkdtemp(prefix="vmtest-")
    return d, d
