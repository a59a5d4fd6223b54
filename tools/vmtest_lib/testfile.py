# SPDX-License-Identifier: GPL-2.0-only
"""Loading and validating a test file (any extension; a Python module).

Recognised top-level names (everything else is ignored):

  KERNELS = ["6.1", "6.12", "debug"]   default: all three
  TIMEOUT = 90                         seconds per run (debug kernel: 3x)
  APPEND = ""                          extra kernel command line (extension)
  QEMU = dict(machine="q35", cpu="qemu64", memory="512M", smp="1",
                                       (q35 by default: i440fx's _PRT AML loop costs
                                       10-40 s per PCI device on the debug kernel)
              smbios=[...], devices=[...], disks=[dict(...)], args=[...])
  MODULES, OPTIONAL_MODULES = [...]    stock modules (dependencies added)
  LVOS = [...]                         lvos modules from build/ko/<release>/ (or .ko paths)
  GUEST = "shell script"
  host(vm), check(run)                 optional hooks
  GUESTS = [dict(name=, QEMU=, GUEST=, MODULES=, OPTIONAL_MODULES=, LVOS=, APPEND=)]
  LINK = "net", SHM = "4M"             two-guest tests (SHM also for one guest)
  SHM = dict(size="8M", doorbell=True, vectors=3,
             format=dict(peers=2, queues=2, entries=256, arena="512K", name="t"))
                                       an ivshmem region: plain (memory-backend-file +
                                       ivshmem-plain) or doorbell (the harness runs
                                       tools/lvos-ivshmem-server in-process before QEMU
                                       starts; ivshmem-doorbell); format=None: raw, all
                                       zero (a "foreign" ivshmem user), else the lvos_netpv
                                       header (include/lvos/netpv.h) is written first.
                                       size: power of two (default with format: the
                                       smallest that fits); vectors (doorbell only):
                                       default 1 + queues (1 unformatted); format keys
                                       default peers=2, queues=2, entries=256,
                                       arena="512K", name="vmtest". The string form
                                       SHM = "1M" is dict(size="1M"): plain, raw.
  FILES = {"/bin/tool": "tools/tool"}  extra files for every guest: guest path ->
                                       host path (relative: to the repository root);
                                       executables stay executable
  BINARIES = ["mkfs.ext4", "lvm"]      host tools for the guest (also per GUESTS entry):
                                       found on $PATH (+ /usr/sbin:/sbin), copied to the
                                       same path with symlinks and shared libraries

In a GUESTS entry, a key that is absent falls back to the top-level value.

LINK = "net": two guests, a virtio-net NIC each joined by -netdev
socket,udp= on 127.0.0.1 (no vnet_hdr: QEMU offers no checksum or TSO
offload). LINK = "tap" (2 to 16 guests; root): a private network
namespace with a bridge and one vnet_hdr tap per guest, QEMU started in it
with -netdev tap,vhost=off, so the guests get checksum offload and TSO;
LINK_QUEUES = N (1..8, default 1) makes the taps multi_queue and the NICs
mq=on with N queue pairs. MACs 52:54:00:12:34:10 + guest index either way;
host() sees the namespace as vms.tapnet (vmtest_lib.netns.TapNet: .name,
.stats()). The namespace is deleted after the run.
"""

import importlib.machinery
import importlib.util
import os
import re
import subprocess

from .guest import BinaryError, resolve_binaries
from .kernels import KERNEL_NAMES

QEMU_KEYS = {"machine", "cpu", "memory", "smp", "smbios", "devices", "disks", "args"}
DISK_KEYS = {"name", "size", "format", "bus", "serial", "discard"}
DISK_BUSES = ("virtio-blk", "virtio-scsi", "pvscsi", "nvme", "scsi-hd-on-lsi")
DISK_FORMATS = ("qcow2", "raw")
GUEST_KEYS = {"name", "QEMU", "GUEST", "MODULES", "OPTIONAL_MODULES", "LVOS", "APPEND",
              "BINARIES"}
# Names BINARIES may not take over: /init and every script run busybox's sh.
BINARY_REFUSED = {"sh", "busybox"}
SIZE_RE = re.compile(r"^\d+[KMGT]?$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class TestFileError(Exception):
    pass


SHM_KEYS = {"size", "doorbell", "vectors", "format"}
SHM_FORMAT_KEYS = {"peers", "queues", "entries", "arena", "name"}


def _shm(val):
    """SHM -> dict(size=str, bytes=int, doorbell=bool, vectors=int or None,
    format=None or dict(peers, queues, entries, arena (bytes), name))."""
    from .netpv import load_server
    srv = load_server()
    if isinstance(val, (str, int)):
        val = dict(size=str(val))
    if not isinstance(val, dict):
        raise TestFileError('SHM must be a size ("4M") or a dict(size=, doorbell=, vectors=, '
                            'format=)')
    bad = set(val) - SHM_KEYS
    if bad:
        raise TestFileError("SHM: unknown key(s) %s (known: %s)"
                            % (", ".join(sorted(bad)), ", ".join(sorted(SHM_KEYS))))
    doorbell = val.get("doorbell", False)
    if not isinstance(doorbell, bool):
        raise TestFileError("SHM: doorbell must be True or False")
    fmt = val.get("format")
    out_fmt = None
    needed = None
    if fmt is not None:
        if not isinstance(fmt, dict):
            raise TestFileError("SHM: format must be a dict(peers=, queues=, entries=, arena=, "
                                "name=) or None")
        bad = set(fmt) - SHM_FORMAT_KEYS
        if bad:
            raise TestFileError("SHM format: unknown key(s) %s (known: %s)"
                                % (", ".join(sorted(bad)), ", ".join(sorted(SHM_FORMAT_KEYS))))
        out_fmt = dict(peers=fmt.get("peers", 2), queues=fmt.get("queues", 2),
                       entries=fmt.get("entries", 256), name=fmt.get("name", "vmtest"))
        for k in ("peers", "queues", "entries"):
            if not isinstance(out_fmt[k], int) or isinstance(out_fmt[k], bool):
                raise TestFileError("SHM format: %s must be an integer" % k)
        arena = fmt.get("arena", "512K")
        if isinstance(arena, bool) or not isinstance(arena, (int, str)) or \
                not SIZE_RE.match(str(arena)):
            raise TestFileError("SHM format: bad arena %r" % (arena,))
        out_fmt["arena"] = parse_size(arena)
        try:
            srv.check_name(out_fmt["name"])
            lay = srv.layout(out_fmt["peers"], out_fmt["queues"], out_fmt["entries"],
                             out_fmt["arena"])
        except srv.ConfigError as e:
            raise TestFileError("SHM format: %s" % e)
        needed = lay
    size = val.get("size")
    if size is None:
        if needed is None:
            raise TestFileError("SHM: size is required without format")
        size = srv.human(needed["size"])
    size = str(size)
    if not SIZE_RE.match(size):
        raise TestFileError("SHM: bad size %r" % size)
    nbytes = parse_size(size)
    if nbytes & (nbytes - 1) or nbytes == 0:
        raise TestFileError("SHM: ivshmem needs a power-of-two size, not %s" % size)
    if needed is not None and nbytes < needed["needed"]:
        raise TestFileError("SHM: size %s is too small for format %r: it needs %d bytes (%s)"
                            % (size, fmt, needed["needed"], srv.human(needed["size"])))
    vectors = val.get("vectors")
    if vectors is not None:
        if not doorbell:
            raise TestFileError("SHM: vectors needs doorbell=True (ivshmem-plain has no "
                                "interrupts)")
        if not isinstance(vectors, int) or isinstance(vectors, bool) or \
                not 1 <= vectors <= srv.MAX_VECTORS:
            raise TestFileError("SHM: vectors must be an integer 1..%d" % srv.MAX_VECTORS)
    elif doorbell:
        vectors = 1 + out_fmt["queues"] if out_fmt else 1
    return dict(size=size, bytes=nbytes, doorbell=doorbell, vectors=vectors, format=out_fmt)


def _strlist(val, what):
    if val is None:
        return []
    if isinstance(val, str):
        return [val]
    if not isinstance(val, (list, tuple)) or not all(isinstance(v, str) for v in val):
        raise TestFileError("%s must be a list of strings" % what)
    return list(val)


def parse_size(s):
    """"64M" -> bytes (QEMU's binary suffixes)."""
    s = str(s).strip()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if s and s[-1].upper() in mult:
        return int(s[:-1]) * mult[s[-1].upper()]
    return int(s)


def _qemu(q, where):
    where = (where + " QEMU") if where else "QEMU"
    if q is None:
        q = {}
    if not isinstance(q, dict):
        raise TestFileError("%s must be a dict" % where)
    bad = set(q) - QEMU_KEYS
    if bad:
        raise TestFileError("%s: unknown key(s) %s (known: %s)"
                            % (where, ", ".join(sorted(bad)), ", ".join(sorted(QEMU_KEYS))))
    out = dict(machine=str(q.get("machine", "q35")), cpu=str(q.get("cpu", "qemu64")),
               memory=str(q.get("memory", "512M")), smp=str(q.get("smp", "1")),
               smbios=_strlist(q.get("smbios"), where + " smbios"),
               devices=_strlist(q.get("devices"), where + " devices"),
               args=_strlist(q.get("args"), where + " args"), disks=[])
    names = set()
    for d in q.get("disks") or []:
        if not isinstance(d, dict):
            raise TestFileError("%s disks: each disk is a dict" % where)
        bad = set(d) - DISK_KEYS
        if bad:
            raise TestFileError("%s disk: unknown key(s) %s" % (where, ", ".join(sorted(bad))))
        name = d.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name) or name in names:
            raise TestFileError("%s disk: name %r missing, invalid or duplicate" % (where, name))
        names.add(name)
        disk = dict(name=name, size=str(d.get("size", "64M")),
                    format=d.get("format", "qcow2"), bus=d.get("bus", "virtio-blk"),
                    serial=str(d.get("serial", name)), discard=d.get("discard", False))
        if not isinstance(disk["discard"], bool):
            raise TestFileError("%s disk %s: discard must be True or False" % (where, name))
        if not SIZE_RE.match(disk["size"]):
            raise TestFileError("%s disk %s: bad size %r" % (where, name, disk["size"]))
        if disk["format"] not in DISK_FORMATS:
            raise TestFileError("%s disk %s: format must be one of %s"
                                % (where, name, ", ".join(DISK_FORMATS)))
        if disk["bus"] not in DISK_BUSES:
            raise TestFileError("%s disk %s: bus must be one of %s"
                                % (where, name, ", ".join(DISK_BUSES)))
        out["disks"].append(disk)
    return out


class GuestSpec:
    def __init__(self, name, index, qemu, script, modules, optional, lvos, append):
        self.name = name
        self.index = index
        self.qemu = qemu
        self.script = script
        self.modules = modules
        self.optional_modules = optional
        self.lvos = lvos
        self.append = append
        self.files = {}
        self.lvos_params = {}
        self.binaries = []          # resolve_binaries() entries


def _binaries(val, where):
    names = _strlist(val, where + "BINARIES")
    for n in names:
        if not n or n in BINARY_REFUSED or (n.startswith("/") and ".." in n) or \
                ("/" in n and not n.startswith("/")):
            raise TestFileError("%sBINARIES: %r is not a tool name or absolute path%s"
                                % (where, n, " (the guest needs busybox's)"
                                   if n in BINARY_REFUSED else ""))
    try:
        return resolve_binaries(names)
    except BinaryError as e:
        raise TestFileError("%s%s" % (where, e))


_made = {}


def _make_file(root, rel):
    """Build a FILES entry the top-level Makefile knows how to make (the
    static guest tools in tools/), as `make check` does, so a single test
    runs on a fresh clone; a source file is left alone (make has no rule
    and nothing to do)."""
    if rel in _made or os.path.isabs(rel):
        return
    p = subprocess.run(["make", "-C", root, "-s", "--no-print-directory", rel],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    _made[rel] = p.returncode
    if p.returncode != 0 and "No rule to make target" not in p.stdout:
        raise TestFileError("FILES: `make %s` failed: %s"
                            % (rel, " | ".join(p.stdout.strip().splitlines()[-3:])))


class TestSpec:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        base = os.path.basename(path)
        self.name = base.rsplit(".", 1)[0] if "." in base[1:] else base
        if not NAME_RE.match(self.name):
            raise TestFileError("test name %r (from the file name) must match %s"
                                % (self.name, NAME_RE.pattern))
        if not os.path.isfile(self.path):
            raise TestFileError("no such file: %s" % path)
        modname = "vmtest_test_" + re.sub(r"\W", "_", self.name)
        loader = importlib.machinery.SourceFileLoader(modname, self.path)
        spec = importlib.util.spec_from_loader(modname, loader)
        mod = importlib.util.module_from_spec(spec)
        mod.__file__ = self.path
        try:
            loader.exec_module(mod)
        except Exception as e:
            raise TestFileError("cannot load %s: %s: %s" % (path, type(e).__name__, e))
        self.module = mod
        g = lambda k, d=None: getattr(mod, k, d)

        self.kernels = _strlist(g("KERNELS", list(KERNEL_NAMES)), "KERNELS")
        for k in self.kernels:
            if k not in KERNEL_NAMES:
                raise TestFileError("KERNELS: unknown kernel %r (known: %s)"
                                    % (k, ", ".join(KERNEL_NAMES)))
        self.timeout = g("TIMEOUT", 90)
        if not isinstance(self.timeout, (int, float)) or self.timeout <= 0:
            raise TestFileError("TIMEOUT must be a positive number of seconds")
        self.host = g("host")
        self.check = g("check")
        for hook in ("host", "check"):
            if getattr(self, hook) is not None and not callable(getattr(self, hook)):
                raise TestFileError("%s must be a function" % hook)
        self.link = g("LINK")
        if self.link not in (None, "net", "tap"):
            raise TestFileError('LINK must be "net" or "tap" (or absent)')
        self.link_queues = g("LINK_QUEUES", 1)
        if not isinstance(self.link_queues, int) or not 1 <= self.link_queues <= 8:
            raise TestFileError("LINK_QUEUES must be an integer from 1 to 8")
        if self.link_queues > 1 and self.link != "tap":
            raise TestFileError('LINK_QUEUES > 1 needs LINK = "tap"')
        self.shm = g("SHM")
        if self.shm is not None:
            self.shm = _shm(self.shm)

        top = dict(QEMU=g("QEMU"), GUEST=g("GUEST"), MODULES=g("MODULES"),
                   OPTIONAL_MODULES=g("OPTIONAL_MODULES"), LVOS=g("LVOS"),
                   APPEND=g("APPEND", ""), BINARIES=g("BINARIES"))
        guests = g("GUESTS")
        self.multi = guests is not None
        if guests is None:
            if self.link:
                raise TestFileError("LINK needs GUESTS = [dict(name=...), ...]")
            guests = [dict(name="guest")]
        elif not isinstance(guests, (list, tuple)) or not guests or \
                not all(isinstance(x, dict) for x in guests):
            raise TestFileError("GUESTS must be a non-empty list of dicts")
        if self.link == "tap" and not 2 <= len(guests) <= 16:
            raise TestFileError('LINK = "tap" needs 2 to 16 GUESTS')
        if self.link == "net" and len(guests) != 2:
            raise TestFileError('LINK = "net" needs exactly two GUESTS')
        if self.shm and self.shm["doorbell"] and self.shm["format"] and \
                self.shm["format"]["peers"] < len(guests):
            raise TestFileError("SHM: format peers=%d is fewer than the %d guests (the server "
                                "gives each QEMU an id below peers)"
                                % (self.shm["format"]["peers"], len(guests)))
        self.files = {}
        files = g("FILES") or {}
        if not isinstance(files, dict):
            raise TestFileError("FILES must be a dict: guest path -> host path")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        for gpath, hpath in files.items():
            if not (isinstance(gpath, str) and gpath.startswith("/") and ".." not in gpath
                    and isinstance(hpath, str)):
                raise TestFileError("FILES: %r -> %r: need an absolute guest path and a host path"
                                    % (gpath, hpath))
            _make_file(root, hpath)
            hpath = os.path.join(root, hpath)
            if not os.path.isfile(hpath):
                raise TestFileError("FILES: %s does not exist" % hpath)
            self.files[gpath] = hpath
        params = g("LVOS_PARAMS") or {}
        if not isinstance(params, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and re.match(r"^[\w.,=\- ]*$", v)
                for k, v in params.items()):
            raise TestFileError("LVOS_PARAMS must be a dict: module -> 'name=value ...'")
        self.lvos_params = {k.replace("-", "_"): v for k, v in params.items()}
        self.guests = []
        seen = set()
        for i, gd in enumerate(guests):
            bad = set(gd) - GUEST_KEYS
            if bad:
                raise TestFileError("GUESTS[%d]: unknown key(s) %s" % (i, ", ".join(sorted(bad))))
            name = gd.get("name", "g%d" % i)
            if not NAME_RE.match(str(name)) or name in seen:
                raise TestFileError("GUESTS[%d]: name %r invalid or duplicate" % (i, name))
            seen.add(name)
            val = lambda k: gd[k] if k in gd else top[k]
            where = "GUESTS[%d] (%s)" % (i, name) if self.multi else ""
            script = val("GUEST")
            if not isinstance(script, str) or not script.strip():
                raise TestFileError("%s GUEST: a non-empty shell script is required"
                                    % (where or "test"))
            modules = _strlist(val("MODULES"), "MODULES")
            if self.link in ("net", "tap") and "virtio_net" not in modules:
                modules = modules + ["virtio_net"]
            self.guests.append(GuestSpec(
                str(name), i, _qemu(val("QEMU"), where), script, modules,
                _strlist(val("OPTIONAL_MODULES"), "OPTIONAL_MODULES"),
                [os.path.join(os.path.dirname(self.path), m) if "/" in m else m
                 for m in _strlist(val("LVOS"), "LVOS")],
                str(val("APPEND") or "")))
            self.guests[-1].files = self.files
            self.guests[-1].lvos_params = self.lvos_params
            self.guests[-1].binaries = _binaries(val("BINARIES"), where + ": " if where else "")
