# SPDX-License-Identifier: GPL-2.0-only
"""A small QMP client: one unix-socket connection, capabilities negotiated,
asynchronous events queued, commands matched to replies by id.

    q = QMP("/path/qmp.sock")          # waits for the socket, negotiates
    q.cmd("query-status")              # -> {"running": True, ...}
    q.block_resize("d0", 128 << 20)
    q.wait_event("DEVICE_DELETED", 10)

Argument names are passed to QEMU verbatim: use **{"node-name": "x"} for
dashed names.  Errors from QEMU raise QMPError."""

import json
import socket
import threading
import time


class QMPError(Exception):
    """QEMU answered a command with an error."""

    def __init__(self, cmd, error):
        self.cmd = cmd
        self.error = error
        super().__init__("QMP %s: %s: %s" % (cmd, error.get("class", "?"),
                                             error.get("desc", error)))


class QMPClosed(Exception):
    """The connection went away (QEMU exited)."""


class QMP:
    def __init__(self, path, connect_timeout=15.0, alive=None, disks=None):
        """Connect to QEMU's QMP socket at path.  alive() (optional) tells
        whether the QEMU process still runs, so a dead QEMU fails fast.
        disks (optional): drive id -> bus of the disks QEMU was started with
        (vmtest's disks), for block_resize."""
        self.path = path
        self.disks = dict(disks or {})
        self._sock = None
        deadline = time.monotonic() + connect_timeout
        last = None
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                self._sock = s
                break
            except OSError as e:
                s.close()
                last = e
            if alive is not None and not alive():
                raise QMPClosed("QEMU exited before its QMP socket %s accepted (%s)"
                                % (path, last))
            if time.monotonic() > deadline:
                raise QMPClosed("cannot connect to QMP socket %s: %s" % (path, last))
            time.sleep(0.05)
        self._lock = threading.Lock()          # serialises sends
        self._cond = threading.Condition()
        self._replies = {}
        self._events = []                      # every event ever received
        self._closed = None
        self._next_id = 0
        self.greeting = None
        self._rfile = self._sock.makefile("rb")
        greeting = self._rfile.readline()
        if not greeting:
            raise QMPClosed("QMP socket %s closed before the greeting" % path)
        self.greeting = json.loads(greeting)
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name="qmp-reader")
        self._reader.start()
        self.cmd("qmp_capabilities")

    # -- plumbing --------------------------------------------------------
    def _read_loop(self):
        try:
            for line in self._rfile:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                with self._cond:
                    if "event" in msg:
                        self._events.append(msg)
                    elif "id" in msg:
                        self._replies[msg["id"]] = msg
                    self._cond.notify_all()
        except (OSError, ValueError):
            pass
        with self._cond:
            self._closed = "QMP connection closed (QEMU exited?)"
            self._cond.notify_all()

    def cmd(self, name, args=None, timeout=60.0, **kwargs):
        """Execute a command; return its "return" value (usually a dict)."""
        arguments = dict(args or {})
        arguments.update(kwargs)
        with self._cond:
            if self._closed:
                raise QMPClosed(self._closed)
            self._next_id += 1
            cid = "vmtest-%d" % self._next_id
        msg = {"execute": name, "id": cid}
        if arguments:
            msg["arguments"] = arguments
        data = (json.dumps(msg) + "\n").encode()
        with self._lock:
            try:
                self._sock.sendall(data)
            except OSError as e:
                raise QMPClosed("QMP send failed: %s" % e)
        deadline = time.monotonic() + timeout
        with self._cond:
            while cid not in self._replies:
                if self._closed:
                    raise QMPClosed(self._closed)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("QMP %s: no reply in %.0fs" % (name, timeout))
                self._cond.wait(left)
            reply = self._replies.pop(cid)
        if "error" in reply:
            raise QMPError(name, reply["error"])
        return reply.get("return", {})

    __call__ = cmd

    def events(self, name=None):
        """All events received so far (optionally only those called name)."""
        with self._cond:
            return [e for e in self._events if name is None or e["event"] == name]

    def wait_event(self, name, timeout=30.0, match=None, since=0):
        """Wait for an event called name (and for which match(event) is true)
        that is not among the first `since` events; return it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self._events[since:]:
                    if e["event"] == name and (match is None or match(e)):
                        return e
                if self._closed:
                    raise QMPClosed("%s while waiting for event %s" % (self._closed, name))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("QMP event %s not seen in %.0fs" % (name, timeout))
                self._cond.wait(left)

    def event_count(self):
        with self._cond:
            return len(self._events)

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    # -- helpers for what lvos tests drive -------------------------------
    def block_resize(self, name, size):
        """Grow/shrink a disk: name is the drive id (= the test's disk name)
        or a node name (blockdev-add, disk_add); size in bytes.

        Works for virtio-blk, virtio-scsi, pvscsi and scsi-hd-on-lsi disks.
        An nvme disk cannot be resized in QEMU (7.2; upstream too): the
        nvme-ns device holds its drive without sharing the resize
        permission, and it computes the namespace size once, at realize."""
        size = int(size)
        try:
            return self.cmd("block_resize", device=name, size=size)
        except QMPError as e:
            first = e
        if name not in self.disks:
            try:
                return self.cmd("block_resize", **{"node-name": name, "size": size})
            except QMPError as e:
                # report what went wrong with the drive, if there was one
                if "Cannot find device" not in first.error.get("desc", ""):
                    raise first
                raise e
        if self.disks[name] == "nvme":
            raise QMPError("block_resize", dict(first.error, desc=(
                "disk %s is on the nvme bus, which QEMU cannot resize: its "
                "nvme-ns device takes the drive without the 'resize' permission "
                "and fixes the namespace size at realize (use virtio-blk, "
                "virtio-scsi or pvscsi for resize tests); QEMU said: %s"
                % (name, first.error.get("desc", first.error)))))
        raise first

    def device_add(self, driver, id, **props):
        """device_add; props use QEMU's names (pass dashed ones via **{})."""
        return self.cmd("device_add", driver=driver, id=id, **props)

    def device_del(self, id, wait=True, timeout=30.0):
        """device_del; with wait, block until DEVICE_DELETED for it (the
        guest must cooperate: ACPI eject for CPUs/DIMMs, PCI unplug)."""
        since = self.event_count()
        r = self.cmd("device_del", id=id)
        if wait:
            # QEMU 7.2 reports an unplugged vCPU only through its lapic
            # child (path /machine/peripheral/<id>/lapic, no "device")
            path = "/machine/peripheral/" + id

            def gone(e):
                d = e.get("data", {})
                p = d.get("path", "")
                return d.get("device") == id or p == path or p.startswith(path + "/")
            self.wait_event("DEVICE_DELETED", timeout, since=since, match=gone)
        return r

    def hotpluggable_cpus(self):
        return self.cmd("query-hotpluggable-cpus")

    def cpu_add(self, id, socket_id=None, core_id=0, thread_id=0, driver=None):
        """Hot-add a vCPU.  Without socket_id, take the lowest free slot
        (QEMU lists slots highest first; a guest given a slot above a hole,
        e.g. APIC ID 3 while 2 is absent, gets no IPIs to that vCPU under
        TCG with Debian's 6.1 kernel, so tests fill slots in order)."""
        slots = [s for s in self.hotpluggable_cpus() if "qom-path" not in s]
        slots.sort(key=lambda s: tuple(s["props"].get(k, 0) for k in
                                       ("node-id", "socket-id", "die-id", "core-id", "thread-id")))
        for s in slots:
            p = s["props"]
            if socket_id is not None and p.get("socket-id") != socket_id:
                continue
            props = {k: v for k, v in p.items() if k != "node-id"}
            return self.cmd("device_add", driver=driver or s["type"], id=id, **props)
        raise QMPError("device_add", {"class": "vmtest", "desc": "no free CPU slot"})

    def cpus(self):
        return self.cmd("query-cpus-fast")

    def dimm_add(self, id, size, backend="memory-backend-ram", **props):
        """Hot-plug a pc-dimm of size bytes (needs -m ...,slots=N,maxmem=M)."""
        self.cmd("object-add", **{"qom-type": backend, "id": "mem-" + id, "size": int(size)})
        return self.cmd("device_add", driver="pc-dimm", id=id, memdev="mem-" + id, **props)

    def disk_add(self, id, path, fmt="raw", driver="virtio-blk-pci", **props):
        """Hot-plug a disk image as a new drive node `id` on a new device."""
        self.cmd("blockdev-add", **{"node-name": id, "driver": fmt,
                                    "file": {"driver": "file", "filename": path}})
        return self.cmd("device_add", driver=driver, id="dev-" + id, drive=id, **props)

    def balloon(self, target_bytes):
        """Set the balloon target (the guest's memory size after ballooning)."""
        return self.cmd("balloon", value=int(target_bytes))

    def query_balloon(self):
        return self.cmd("query-balloon")

    def qom_get(self, path, prop):
        return self.cmd("qom-get", path=path, property=prop)

    def qom_set(self, path, prop, value):
        return self.cmd("qom-set", path=path, property=prop, value=value)

    def qom_list(self, path):
        return self.cmd("qom-list", path=path)
