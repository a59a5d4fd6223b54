# SPDX-License-Identifier: GPL-2.0-only
"""Write a gzip-compressed newc cpio archive (the format the kernel unpacks
as an initramfs) without cpio(1) and without root: device nodes are just
header fields."""

import gzip
import stat
import time


class CpioWriter:
    def __init__(self):
        self._entries = []        # (name, mode, data, rdev)
        self._names = set()
        self._ino = 721

    def _add(self, name, mode, data=b"", rdev=(0, 0)):
        name = name.lstrip("/")
        if name in self._names:
            raise ValueError("duplicate initramfs entry: /" + name)
        # Parents first: the kernel does not create missing directories.
        parts = name.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent not in self._names:
                self._names.add(parent)
                self._entries.append((parent, stat.S_IFDIR | 0o755, b"", (0, 0)))
        self._names.add(name)
        self._entries.append((name, mode, data, rdev))

    def dir(self, name, perm=0o755):
        self._add(name, stat.S_IFDIR | perm)

    def file(self, name, data, perm=0o644):
        if isinstance(data, str):
            data = data.encode()
        self._add(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self._add(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, perm=0o600):
        self._add(name, stat.S_IFCHR | perm, b"", (major, minor))

    def _header(self, name, mode, size, rdev, mtime):
        self._ino += 1
        namez = name.encode() + b"\0"
        fields = [self._ino, mode, 0, 0, 1, mtime, size, 0, 0,
                  rdev[0], rdev[1], len(namez), 0]
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields) + namez
        return hdr + b"\0" * (-len(hdr) % 4)

    def getvalue(self):
        mtime = int(time.time())
        out = []
        for name, mode, data, rdev in self._entries:
            out.append(self._header(name, mode, len(data), rdev, mtime))
            out.append(data + b"\0" * (-len(data) % 4))
        out.append(self._header("TRAILER!!!", 0, 0, (0, 0), 0))
        raw = b"".join(out)
        return raw + b"\0" * (-len(raw) % 512)

    def write_gz(self, path, level=6):
        with open(path, "wb") as f:
            f.write(gzip.compress(self.getvalue(), compresslevel=level, mtime=0))
