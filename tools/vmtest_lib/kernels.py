# SPDX-License-Identifier: GPL-2.0-only
"""The kernels a test can boot and the lvos modules built for them.

  "6.1"   newest /boot/vmlinuz-6.1.*-cloud-amd64, modules from /lib/modules/<release>
  "6.12"  newest /boot/vmlinuz-6.12.*-cloud-amd64
  "debug" the project's KASAN/lockdep/kmemleak/KUnit kernel from tools/debug-kernel
          (Debian's linux-source-6.1)
  "debug-6.12"  the same from linux-source-6.12 (tools/debug-kernel --series 6.12)
"""

import fcntl
import glob
import os
import re
import subprocess
import threading

from .kmod import ModuleIndex, ModuleError

KERNEL_NAMES = ("6.1", "6.12", "debug", "debug-6.12")
# the Debian kernel series of each name
SERIES = {"6.1": "6.1", "6.12": "6.12", "debug": "6.1", "debug-6.12": "6.12"}

# The one scaling rule for every deadline a test sets on something it times
# (a resize seen, a balloon settled, a guest-side vmtest_wait_for): the
# nominal figure x TIME_SLACK x the kernel's timeout_factor (3 on the debug
# kernel). 5x covers a 2-core host that runs two guests at once beside a
# CPU hog; how fast things really are is measured by tools/bench, never by
# a test.
TIME_SLACK = 5


def _version_key(s):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)]


class Kernel:
    def __init__(self, name, bzimage=None, release=None, moddir=None, tree=None,
                 error=None):
        self.name = name
        self.bzimage = bzimage
        self.release = release
        self.moddir = moddir
        self.tree = tree
        self.error = error               # why it cannot be used, or None
        self.debug = name.startswith("debug")
        self.series = SERIES[name]
        self.append = ["panic_on_warn=1"] if self.debug else []
        self.timeout_factor = 3 if self.debug else 1
        self.time_factor = TIME_SLACK * self.timeout_factor
        self._index = None
        self._lock = threading.Lock()

    def config(self):
        """The kernel's .config, or None: what a Debian guest has as
        /boot/config-<release> (the initramfs carries it there)."""
        path = os.path.join(self.tree, ".config") if self.debug and self.tree \
            else "/boot/config-%s" % self.release
        return path if self.release and os.path.isfile(path) else None

    def index(self):
        with self._lock:
            if self._index is None:
                if self.debug:
                    moddir = "/lib/modules/%s" % self.release
                    if not os.path.exists(os.path.join(moddir, "modules.dep")):
                        moddir = None
                    self._index = ModuleIndex(self.release, moddir=moddir, tree=self.tree)
                else:
                    self._index = ModuleIndex(self.release, moddir=self.moddir)
            return self._index

    def __repr__(self):
        return "Kernel(%s %s)" % (self.name, self.release or self.error)


def stock_kernel(series):
    cands = glob.glob("/boot/vmlinuz-%s.*-cloud-amd64" % series)
    if not cands:
        return Kernel(series, error="no /boot/vmlinuz-%s.*-cloud-amd64 installed "
                                    "(apt-get install linux-image-cloud-amd64 or linux-image-%s...-cloud-amd64)"
                                    % (series, series))
    best = max(cands, key=_version_key)
    release = os.path.basename(best)[len("vmlinuz-"):]
    moddir = "/lib/modules/%s" % release
    if not os.path.isdir(os.path.join(moddir, "kernel")):
        return Kernel(series, error="%s has no modules in %s" % (best, moddir))
    if not os.access(best, os.R_OK):
        return Kernel(series, error="%s is not readable" % best)
    return Kernel(series, bzimage=best, release=release, moddir=moddir)


def debug_kernel(repo, log, name="debug"):
    script = os.path.join(repo, "tools", "debug-kernel")
    if not os.access(script, os.X_OK):
        return Kernel(name, error="debug kernel unavailable: %s does not exist" % script)

    def ask(opt):
        p = subprocess.run([script, "--series", SERIES[name], opt], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if p.returncode != 0:
            tail = " | ".join(p.stderr.strip().splitlines()[-3:])
            raise RuntimeError("tools/debug-kernel %s failed (exit %d): %s"
                               % (opt, p.returncode, tail))
        return p.stdout.strip()

    try:
        if subprocess.run([script, "--series", SERIES[name], "--check"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode != 0:
            log("vmtest: the %s kernel is not built yet; building it with "
                "tools/debug-kernel --series %s (several minutes; progress in its build.log)"
                % (name, SERIES[name]))
        bzimage = ask("--bzimage")
        tree = ask("--tree")
        release = ask("--release")
    except (RuntimeError, OSError) as e:
        return Kernel(name, error="debug kernel unavailable: %s" % e)
    if not os.path.exists(bzimage):
        return Kernel(name, error="debug kernel unavailable: %s does not exist" % bzimage)
    return Kernel(name, bzimage=bzimage, release=release, tree=tree)


class KernelSet:
    """Resolves kernels lazily (the debug one may need a build) and builds
    the lvos modules once per kernel."""

    def __init__(self, repo, log):
        self.repo = repo
        self.log = log
        self._kernels = {}
        self._ko = {}
        self._lock = threading.Lock()
        self._name_locks = {n: threading.Lock() for n in KERNEL_NAMES}
        self._make_lock = threading.Lock()    # one kbuild in the tree at a time

    def get(self, name):
        # Per-name lock: a debug kernel build must not hold up the others.
        with self._name_locks[name]:
            if name not in self._kernels:
                if name.startswith("debug"):
                    self._kernels[name] = debug_kernel(self.repo, self.log, name)
                else:
                    self._kernels[name] = stock_kernel(name)
            return self._kernels[name]

    def ko_dir(self, kernel):
        """build/ko/<release>/ after `make ko` for this kernel (cached);
        raises ModuleError with make's output if the build fails."""
        with self._make_lock:
            if kernel.name not in self._ko:
                self._ko[kernel.name] = self._make(kernel)
            ok, val = self._ko[kernel.name]
        if not ok:
            raise ModuleError(val)
        return val

    def _make(self, kernel):
        cmd = ["make", "-C", self.repo, "-s", "ko"]
        cmd.append("KDIR=%s" % kernel.tree if kernel.debug else "KVER=%s" % kernel.release)
        self.log("vmtest: %s" % " ".join(cmd))
        # `make ko` reuses build/src/<release>: concurrent vmtest processes
        # must not build the same release at once.
        lockdir = os.path.join(self.repo, "build", "vmtest")
        os.makedirs(lockdir, exist_ok=True)
        with open(os.path.join(lockdir, ".make-ko.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
        if p.returncode != 0:
            tail = " | ".join(p.stdout.strip().splitlines()[-4:])
            return False, "`%s` failed (exit %d): %s" % (" ".join(cmd), p.returncode, tail)
        d = os.path.join(self.repo, "build", "ko", kernel.release)
        if not os.path.isdir(d):
            return False, "`%s` succeeded but %s does not exist" % (" ".join(cmd), d)
        return True, d
