# SPDX-License-Identifier: GPL-2.0-only
"""Kernel module lookup for the initramfs: which .ko files to copy and in
which order to insmod them, from modules.dep / modules.builtin (installed
kernels) or a kernel build tree (the debug kernel), plus .modinfo reading
and decompression (.ko.xz on Debian's 6.12)."""

import gzip
import lzma
import os
import shutil
import struct
import subprocess


class ModuleError(Exception):
    pass


def modname(path):
    """kernel/drivers/scsi/vmw_pvscsi.ko.xz -> vmw_pvscsi (kbuild's name)."""
    base = os.path.basename(path.strip())
    for suffix in (".xz", ".zst", ".gz"):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
    for suffix in (".ko", ".o"):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
    return base.replace("-", "_")


def read_ko(path):
    """The uncompressed bytes of a module file."""
    if path.endswith(".xz"):
        with lzma.open(path) as f:
            return f.read()
    if path.endswith(".gz"):
        with gzip.open(path) as f:
            return f.read()
    if path.endswith(".zst"):
        if not shutil.which("zstd"):
            raise ModuleError("%s is zstd-compressed and zstd(1) is not installed" % path)
        return subprocess.run(["zstd", "-dc", path], check=True,
                              stdout=subprocess.PIPE).stdout
    with open(path, "rb") as f:
        return f.read()


def modinfo(data):
    """Parse the .modinfo section of an (uncompressed) ELF64 module into a
    dict of lists ({"depends": ["virtio,virtio_ring"], ...})."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ModuleError("not an ELF64 module")
    endian = "<" if data[5] == 1 else ">"
    (e_shoff,) = struct.unpack_from(endian + "Q", data, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from(endian + "HHH", data, 0x3A)

    def section(i):
        off = e_shoff + i * e_shentsize
        name, _typ, _flags, _addr, offset, size = struct.unpack_from(
            endian + "IIQQQQ", data, off)
        return name, offset, size

    _, stroff, strsize = section(e_shstrndx)
    strtab = data[stroff:stroff + strsize]
    info = {}
    for i in range(e_shnum):
        name, offset, size = section(i)
        end = strtab.index(b"\0", name)
        if strtab[name:end] == b".modinfo":
            for item in data[offset:offset + size].split(b"\0"):
                if b"=" in item:
                    k, v = item.decode(errors="replace").split("=", 1)
                    info.setdefault(k, []).append(v)
    return info


def depends(data):
    """Module names an (uncompressed) module needs loaded first."""
    out = []
    for v in modinfo(data).get("depends", []):
        out += [modname(d) for d in v.split(",") if d.strip()]
    return out


class ModuleIndex:
    """The modules of one kernel.

    moddir: /lib/modules/<release> with modules.dep (installed kernel), or
    tree: a kernel build tree (modules.order + .modinfo depends)."""

    def __init__(self, release, moddir=None, tree=None):
        self.release = release
        self.where = moddir or tree
        self.paths = {}      # name -> absolute path of the .ko[.xz]
        self.deps = {}       # name -> [names] (None: read .modinfo lazily)
        self.builtin = set()
        if moddir and os.path.exists(os.path.join(moddir, "modules.dep")):
            self._load_dep(moddir)
        elif tree:
            self._load_tree(tree)
        elif moddir:
            raise ModuleError("%s/modules.dep is missing (run depmod %s)" % (moddir, release))
        for base in (moddir, tree):
            if base:
                p = os.path.join(base, "modules.builtin")
                if os.path.exists(p):
                    with open(p) as f:
                        self.builtin |= {modname(l) for l in f if l.strip()}

    def _load_dep(self, moddir):
        with open(os.path.join(moddir, "modules.dep")) as f:
            for line in f:
                if ":" not in line:
                    continue
                mod, deps = line.split(":", 1)
                name = modname(mod)
                self.paths[name] = os.path.join(moddir, mod.strip())
                self.deps[name] = [modname(d) for d in deps.split()]

    def _load_tree(self, tree):
        order = os.path.join(tree, "modules.order")
        if not os.path.exists(order):
            return
        with open(order) as f:
            for line in f:
                rel = line.strip()
                if not rel:
                    continue
                if rel.endswith(".o"):
                    rel = rel[:-2] + ".ko"
                path = os.path.join(tree, rel)
                if os.path.exists(path):
                    self.paths[modname(rel)] = path
                    self.deps[modname(rel)] = None

    def has(self, name):
        name = modname(name)
        return name in self.paths or name in self.builtin

    def dependencies(self, name):
        name = modname(name)
        if self.deps.get(name) is None:
            self.deps[name] = depends(read_ko(self.paths[name]))
        return self.deps[name]

    def resolve(self, names, optional=(), order=None, loaded=None):
        """Load order for names (dependencies first, each module once).

        Returns (order, builtin, skipped): order is a list of (name, path),
        builtin the requested names that are built into the kernel, skipped
        the optional names that exist neither way.  A missing non-optional
        module raises ModuleError."""
        optional = {modname(n) for n in optional}
        order = [] if order is None else order
        loaded = set(n for n, _ in order) if loaded is None else loaded
        builtin, skipped = [], []

        def visit(name, chain):
            if name in loaded:
                return
            if name in self.paths:
                if name in chain:
                    raise ModuleError("module dependency loop: %s" % " -> ".join(chain + [name]))
                for dep in self.dependencies(name):
                    if dep in self.paths:
                        visit(dep, chain + [name])
                    elif dep not in self.builtin:
                        raise ModuleError("module %s needs %s, which kernel %s has neither as a "
                                          "file nor built in" % (name, dep, self.release))
                loaded.add(name)
                order.append((name, self.paths[name]))
            elif name in self.builtin:
                loaded.add(name)
                builtin.append(name)
            elif name in optional:
                skipped.append(name)
            else:
                raise ModuleError("module %s not found for kernel %s (not in %s, not built in)"
                                  % (name, self.release, self.where))

        for n in names:
            visit(modname(n), [])
        return order, builtin, skipped
