# SPDX-License-Identifier: GPL-2.0-only
"""The per-run initramfs of one guest: busybox, the modules to load, the
guest library, the test's GUEST script, host binaries (BINARIES) with their
shared libraries, and a generated /init."""

import os
import re
import shlex
import struct
import subprocess
import threading

from .cpio import CpioWriter
from .kmod import ModuleError, depends, modname, read_ko

BUSYBOX = "/bin/busybox"
TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST_LIB = os.path.join(TOOLS, "vmtest-guest.sh")

# Stock drivers a disk bus / the link needs in the guest (added before the
# test's own MODULES; built-in ones are simply skipped).
BUS_MODULES = {
    "virtio-blk": ["virtio_pci", "virtio_blk"],
    "virtio-scsi": ["virtio_pci", "virtio_scsi", "sd_mod"],
    "pvscsi": ["vmw_pvscsi", "sd_mod"],
    "nvme": ["nvme"],
    "scsi-hd-on-lsi": ["sym53c8xx", "sd_mod"],
}

# The guest's PATH; directories of BINARIES outside it go in front.
GUEST_PATH = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
# Where BINARIES are looked up besides the host's $PATH.
EXTRA_HOST_PATH = ("/usr/sbin", "/sbin")

_applets = None
_applets_lock = threading.Lock()
_binaries = {}                 # name -> resolved entries (cache)
_binaries_lock = threading.Lock()


def busybox_applets():
    """["bin/sh", "usr/bin/awk", ...] from the host's busybox-static."""
    global _applets
    with _applets_lock:
        if _applets is None:
            if not os.path.exists(BUSYBOX):
                raise ModuleError("%s is missing (apt-get install busybox-static)" % BUSYBOX)
            out = subprocess.run([BUSYBOX, "--list-full"], stdout=subprocess.PIPE,
                                 universal_newlines=True, check=True).stdout
            _applets = [l.strip().lstrip("/") for l in out.splitlines() if l.strip()]
        return _applets


class BinaryError(Exception):
    pass


# Debian 12 packages for BINARIES a host may lack: exact names, then prefixes.
PACKAGE_HINTS = {
    "sfdisk": "fdisk", "fdisk": "fdisk", "cfdisk": "fdisk",
    "losetup": "mount", "mount": "mount", "umount": "mount", "swaplabel": "mount",
    "cryptsetup": "cryptsetup-bin", "veritysetup": "cryptsetup-bin",
    "integritysetup": "cryptsetup-bin",
    "dmsetup": "dmsetup", "dmstats": "dmsetup", "lvm": "lvm2", "fsadm": "lvm2",
    "btrfs": "btrfs-progs", "btrfstune": "btrfs-progs",
    "mdadm": "mdadm", "parted": "parted", "partprobe": "parted",
    "sgdisk": "gdisk", "gdisk": "gdisk", "nvme": "nvme-cli", "fio": "fio",
    "mkfs.vfat": "dosfstools", "mkfs.fat": "dosfstools", "fsck.vfat": "dosfstools",
    "modprobe": "kmod", "kmod": "kmod", "depmod": "kmod", "hdparm": "hdparm",
    "strace": "strace", "e4defrag": "e2fsprogs", "filefrag": "e2fsprogs",
    "debugfs": "e2fsprogs", "badblocks": "e2fsprogs", "e2label": "e2fsprogs",
    "bash": "bash", "udevadm": "udev", "mkfs.f2fs": "f2fs-tools",
}
PACKAGE_PREFIXES = (
    ("mkfs.ext", "e2fsprogs"), ("fsck.ext", "e2fsprogs"), ("mke2fs", "e2fsprogs"),
    ("e2", "e2fsprogs"), ("resize2fs", "e2fsprogs"), ("tune2fs", "e2fsprogs"),
    ("dumpe2fs", "e2fsprogs"), ("mkfs.xfs", "xfsprogs"), ("xfs_", "xfsprogs"),
    ("fsck.xfs", "xfsprogs"), ("mkfs.btrfs", "btrfs-progs"), ("btrfs", "btrfs-progs"),
    ("fsck.btrfs", "btrfs-progs"), ("pv", "lvm2"), ("vg", "lvm2"), ("lv", "lvm2"),
    ("thin_", "thin-provisioning-tools"), ("cache_", "thin-provisioning-tools"),
    ("sg_", "sg3-utils"),
)
UTIL_LINUX = set("""addpart blkdiscard blkid blkzone blockdev chcpu chmem delpart fallocate
    findfs findmnt flock fsck fsfreeze fstrim ionice lsblk lscpu lsmem mkswap nsenter
    partx prlimit resizepart setsid swapoff swapon taskset unshare wipefs zramctl
    wdctl mountpoint""".split())


def package_hint(name):
    """"apt-get install <package>" for a tool name, or a way to find one."""
    base = os.path.basename(name)
    pkg = PACKAGE_HINTS.get(base)
    if pkg is None and base in UTIL_LINUX:
        pkg = "util-linux"
    if pkg is None:
        for prefix, p in PACKAGE_PREFIXES:
            if base.startswith(prefix):
                pkg = p
                break
    if pkg is None:
        return "find its package with: apt-file search --regexp 'bin/%s$'" % base
    return "apt-get install %s" % pkg


def find_binary(name):
    """Host path of a BINARIES entry: an absolute path as is, else the first
    executable file called name on $PATH, then /usr/sbin, /sbin."""
    if name.startswith("/"):
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    dirs = [d for d in os.environ.get("PATH", "").split(":") if d.startswith("/")]
    for d in dirs + [d for d in EXTRA_HOST_PATH if d not in dirs]:
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def _elf_interp(data):
    """PT_INTERP of a 64-bit little-endian ELF image, or None."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + 0x28 > len(data):
            break
        p_type, = struct.unpack_from("<I", data, off)
        if p_type == 3:                                   # PT_INTERP
            p_offset, = struct.unpack_from("<Q", data, off + 0x08)
            p_filesz, = struct.unpack_from("<Q", data, off + 0x20)
            return data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
    return None


def _ldd(path):
    """Absolute paths of the shared libraries path needs (ldd; the
    interpreter included), [] for a static executable."""
    p = subprocess.run(["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, env=dict(os.environ, LC_ALL="C"))
    if p.returncode != 0:
        if "not a dynamic executable" in p.stdout:
            return []
        raise BinaryError("ldd %s failed: %s" % (path, p.stdout.strip()))
    libs, missing = [], []
    for line in p.stdout.splitlines():
        line = line.strip()
        if "=>" in line:
            soname, _, rest = line.partition("=>")
            rest = rest.strip()
            if rest.startswith("not found"):
                missing.append(soname.strip())
            elif rest.startswith("/"):
                libs.append(rest.split(" (")[0])
        elif line.startswith("/"):
            libs.append(line.split(" (")[0])
    if missing:
        raise BinaryError("%s: shared libraries not found on the host: %s"
                          % (path, " ".join(missing)))
    return libs


def _link_chain(path, out):
    """Entries that make path exist in the guest as on the host: each
    symlink of its last component (directories are real in the guest), then
    the file.  Returns the host file reached."""
    for _ in range(40):
        if not os.path.islink(path):
            break
        target = os.readlink(path)
        if "/" in target and not target.startswith("/"):
            break               # relative across directories: copy the file instead
        out.append(("symlink", path, target))
        path = target if target.startswith("/") else os.path.join(os.path.dirname(path), target)
    real = os.path.realpath(path)
    if not os.path.isfile(real):
        raise BinaryError("%s: no such file" % path)
    out.append(("file", path, real))
    return real


def _resolve(path, out, seen):
    """Add path (symlinks kept), its interpreter and shared libraries."""
    if path in seen:
        return
    seen.add(path)
    real = _link_chain(path, out)
    with open(real, "rb") as f:
        data = f.read()
    if data[:2] == b"#!":
        interp = data[2:].split(b"\n", 1)[0].split()
        interp = interp[0].decode(errors="replace") if interp else ""
        # /bin/sh, /usr/bin/env, ... are busybox in the guest
        if interp.startswith("/") and interp.lstrip("/") not in busybox_applets():
            _resolve(interp, out, seen)
        return
    interp = _elf_interp(data)
    if interp is None:
        return                  # static or not an executable we understand
    libs = [interp] + _ldd(real)
    # glibc dlopen()s libgcc_s for pthread_cancel()/pthread_exit() and backtraces
    for lib in list(libs):
        if os.path.basename(lib) == "libc.so.6":
            gcc = os.path.join(os.path.dirname(lib), "libgcc_s.so.1")
            if os.path.exists(gcc):
                libs.append(gcc)
    for lib in libs:
        if lib not in seen:
            seen.add(lib)
            _link_chain(lib, out)


def resolve_binaries(names):
    """BINARIES -> [("file", guest path, host file) | ("symlink", guest path,
    target)], deduplicated, in install order.  Raises BinaryError naming the
    missing tool and the package that has it."""
    entries, done = [], set()
    for name in names:
        with _binaries_lock:
            got = _binaries.get(name)
        if got is None:
            path = find_binary(name)
            if path is None:
                where = "" if name.startswith("/") else \
                    " (searched $PATH and %s)" % ":".join(EXTRA_HOST_PATH)
                raise BinaryError("BINARIES: %s not found on the host%s; %s"
                                  % (name, where, package_hint(name)))
            got = []
            _resolve(path, got, set())
            with _binaries_lock:
                _binaries[name] = got
        for e in got:
            if e[1] not in done:
                done.add(e[1])
                entries.append(e)
    return entries


def binary_names(entries):
    """Command names BINARIES put in bin directories (busybox applets with
    these names are left out so the real tool is the one PATH finds)."""
    return {os.path.basename(gp) for _, gp, _ in entries
            if os.path.basename(os.path.dirname(gp)).endswith("bin")}


def applet_functions(entries):
    """Shell functions for BINARIES that busybox also has as applets.

    Debian's busybox-static is built with FEATURE_SH_STANDALONE and
    FEATURE_PREFER_APPLETS: its ash (and env, xargs, timeout, ...) runs its
    own applet for such a name whatever PATH says.  A function wins over an
    applet, so /init and the GUEST script source these; a new `sh -c` does
    not inherit them."""
    applets = {os.path.basename(a) for a in busybox_applets()}
    out, seen = [], set()
    for _, gp, _ in entries:
        n = os.path.basename(gp)
        if n in applets and n not in seen and os.path.dirname(gp).endswith("bin") \
                and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", n):
            seen.add(n)
            out.append("%s() { %s \"$@\"; }" % (n, gp))
    return "".join(l + "\n" for l in sorted(out))


def guest_path(entries):
    """The guest's PATH: directories of BINARIES the default PATH lacks
    first, then /usr/sbin:/usr/bin:/sbin:/bin."""
    extra = []
    for _, gp, _ in entries:
        d = os.path.dirname(gp)
        if os.path.basename(d).endswith("bin") and d not in GUEST_PATH and d not in extra:
            extra.append(d)
    return ":".join(extra + list(GUEST_PATH))


def auto_modules(spec):
    """Transport/driver modules the harness adds for the guest's hardware."""
    mods = []
    virtio = any(d["bus"].startswith("virtio") for d in spec.qemu["disks"])
    virtio |= any(dev.split(",")[0].startswith("virtio") for dev in spec.qemu["devices"])
    virtio |= "virtio_net" in spec.modules
    if virtio:
        mods.append("virtio_pci")
    for d in spec.qemu["disks"]:
        mods += BUS_MODULES[d["bus"]]
    return mods


def plan_modules(spec, kernel, ko_dir):
    """-> (stock [(name, path)], lvos [(name, path)], notes [str]).

    Stock modules: auto ones + MODULES with their modules.dep closure.  lvos
    modules: LVOS in order from ko_dir, each preceded by lvos modules it
    depends on (.modinfo) that are not listed; stock modules they depend on
    join the stock list.  Raises ModuleError naming what is missing."""
    index = kernel.index()
    notes = []
    wanted = []
    for m in auto_modules(spec) + spec.modules:
        if modname(m) not in wanted:
            wanted.append(modname(m))
    stock, builtin, skipped = index.resolve(wanted, optional=spec.optional_modules)
    if builtin:
        notes.append("built into %s: %s" % (kernel.release, " ".join(builtin)))
    if skipped:
        notes.append("optional modules not available for %s: %s"
                     % (kernel.release, " ".join(skipped)))

    lvos = []
    if spec.lvos:
        available = {}
        if ko_dir:
            for f in os.listdir(ko_dir):
                if f.endswith(".ko"):
                    available[modname(f)] = os.path.join(ko_dir, f)
        # An entry with a "/" is a module file of its own (harness self-tests,
        # stubs): {release} and {kernel} are substituted.
        names = []
        for m in spec.lvos:
            if "/" in m:
                p = m.format(release=kernel.release, kernel=kernel.name)
                if not os.path.exists(p):
                    raise ModuleError("LVOS module file %s does not exist" % p)
                available[modname(p)] = p
                names.append(modname(p))
            else:
                names.append(modname(m))
        done = set()

        def visit(name, chain):
            if name in done:
                return
            if name not in available:
                raise ModuleError("lvos module %s not built for %s (no %s/%s.ko)"
                                  % (name, kernel.release, ko_dir, name))
            if name in chain:
                raise ModuleError("lvos module dependency loop: %s" % " -> ".join(chain + [name]))
            for dep in depends(read_ko(available[name])):
                if dep in available:
                    visit(dep, chain + [name])
                else:
                    index.resolve([dep], order=stock)
            done.add(name)
            lvos.append((name, available[name]))

        for m in names:
            visit(m, [])
        extra = [n for n, _ in lvos if n not in names]
        if extra:
            notes.append("lvos dependencies added: %s" % " ".join(extra))
    return stock, lvos, notes


def init_script(spec, kernel, test_name, stock, lvos, notes, guest_count):
    q = shlex.quote
    L = []
    w = L.append
    w("#!/bin/sh")
    w("# Generated by tools/vmtest: test %s, guest %s, kernel %s (%s)."
      % (test_name, spec.name, kernel.name, kernel.release))
    w("export PATH=%s HOME=/root TERM=dumb" % guest_path(spec.binaries))
    w("mount -t proc proc /proc")
    w("mount -t sysfs sysfs /sys")
    w("grep -q ' /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev")
    w("mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null")
    w("mount -t tmpfs tmpfs /tmp")
    w("mkdir -p /dev/pts /dev/shm /run && mount -t devpts devpts /dev/pts 2>/dev/null")
    w("ip link set lo up 2>/dev/null")
    w(". /vmtest-guest.sh")
    w(". /vmtest/binaries.sh")
    w("vmtest__setup")
    w("vmtest_log %s" % q("test %s guest %s kernel %s (%s)"
                          % (test_name, spec.name, kernel.name, kernel.release)))
    for n in notes:
        w("vmtest_log %s" % q(n))
    w("failed=0")
    for name, _ in stock:
        w("vmtest__insmod %s /lib/modules/vmtest/%s.ko || failed=1" % (q(name), q(name)))
    # kmemleak is required on the debug kernel (a run without its leak
    # check fails); the stock kernels have none.
    w("kmemleak=%s" % ("1" if kernel.debug else ""))
    if lvos:
        w("[ -n \"$kmemleak\" ] && vmtest__kmemleak_mark")
    w("ls /sys/kernel/debug/kunit >/tmp/.vmtest/kunit-before 2>/dev/null")
    w("loaded=")
    for name, _ in lvos:
        w("if [ $failed = 0 ]; then vmtest__insmod %s /lib/lvos/%s.ko %s && loaded=\"%s $loaded\" || failed=1; fi"
          % (q(name), q(name), spec.lvos_params.get(name, ""), name))
    w("export LVOS_GUEST_INDEX=%d LVOS_GUEST_NAME=%s LVOS_GUEST_COUNT=%d"
      % (spec.index, q(spec.name), guest_count))
    w("export LVOS_KERNEL=%s LVOS_KERNEL_RELEASE=%s LVOS_SERIES=%s LVOS_DEBUG=%d"
      % (q(kernel.name), q(kernel.release), kernel.series, kernel.debug))
    w("export VMTEST_TIME_FACTOR=%d" % kernel.time_factor)
    w("if [ $failed = 0 ]; then")
    w("\techo 'lvos-vmtest: guest-begin' >\"$VMTEST_OUT\"")
    w("\tsh /vmtest/guest.sh </dev/null")
    w("\trc=$?")
    w("\techo 'lvos-vmtest: guest-end' >\"$VMTEST_OUT\"")
    w("\tif [ $rc = 0 ]; then vmtest_ok 'guest script'; "
      "else vmtest_fail 'guest script' \"exited with status $rc\"; fi")
    w("else")
    w("\tvmtest_fail 'guest script' 'not run: a module failed to load'")
    w("fi")
    # KUnit suites that appeared with the lvos modules: one file each (the
    # host parses each separately; concatenated results lose suites).
    w("for s in $(ls /sys/kernel/debug/kunit 2>/dev/null); do")
    w("\tgrep -qx \"$s\" /tmp/.vmtest/kunit-before && continue")
    w("\tvmtest_send_file \"kunit/$s\" \"/sys/kernel/debug/kunit/$s/results\"")
    w("done")
    w("for m in $loaded; do")
    w("\tif grep -q \"^$m \" /proc/modules; then vmtest_check \"rmmod $m\" rmmod \"$m\"; "
      "else vmtest_log \"$m was unloaded by the test\"; fi")
    w("done")
    if lvos:
        w("[ -n \"$kmemleak\" ] && vmtest__kmemleak_report")
    w("echo 'lvos-vmtest: done' >\"$VMTEST_OUT\"")
    # Let the console drain (stty applies its settings with TCSADRAIN).
    w("stty -F /dev/ttyS0 -echo 2>/dev/null")
    w("poweroff -f")
    w("echo o >/proc/sysrq-trigger")
    w("sleep 3600")
    return "\n".join(L) + "\n"


def build_initramfs(path, spec, kernel, test_name, stock, lvos, notes, guest_count):
    c = CpioWriter()
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp",
              "root", "etc", "mnt", "run", "var", "lib/modules/vmtest", "lib/lvos", "vmtest"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3, 0o666)
    c.chardev("dev/ttyS0", 4, 64)
    with open(BUSYBOX, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    # Real tools (BINARIES, FILES) replace busybox applets of the same name.
    shadowed = binary_names(spec.binaries)
    files = {p.lstrip("/") for p in spec.files}
    for applet in busybox_applets():
        if applet != "bin/busybox" and applet not in files and \
                os.path.basename(applet) not in shadowed:
            c.symlink(applet, "/bin/busybox")
    c.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    c.file("etc/group", "root:x:0:\n")
    with open(GUEST_LIB) as f:
        c.file("vmtest-guest.sh", f.read())
    c.file("vmtest/binaries.sh", "# BINARIES that busybox would run as its own applets\n"
           + applet_functions(spec.binaries))
    c.file("vmtest/guest.sh", ". /vmtest-guest.sh\n. /vmtest/binaries.sh\n"
           + spec.script.lstrip("\n"), 0o755)
    for name, p in stock:
        c.file("lib/modules/vmtest/%s.ko" % name, read_ko(p))
    for name, p in lvos:
        c.file("lib/lvos/%s.ko" % name, read_ko(p))
    # /boot/config-<release>, as on a Debian guest (tools/lvos-memory-policy
    # reads the kernel's built-in defaults from it); FILES may replace it.
    config = kernel.config()
    if config and "boot/config-%s" % kernel.release not in files:
        c.dir("boot")
        with open(config, "rb") as f:
            c.file("boot/config-%s" % kernel.release, f.read())
    for gpath, hpath in sorted(spec.files.items()):
        with open(hpath, "rb") as f:
            c.file(gpath.lstrip("/"), f.read(), 0o755 if os.access(hpath, os.X_OK) else 0o644)
    for kind, gpath, what in spec.binaries:
        if gpath.lstrip("/") in files:
            continue            # FILES wins
        if kind == "symlink":
            c.symlink(gpath, what)
        else:
            with open(what, "rb") as f:
                c.file(gpath, f.read(), os.stat(what).st_mode & 0o777)
    c.file("init", init_script(spec, kernel, test_name, stock, lvos, notes, guest_count), 0o755)
    c.write_gz(path)
