# SPDX-License-Identifier: GPL-2.0-only
"""Host-side helpers for lvos_netpv tests: the shared region as a file and
the host acting as one of its peers.

  Region(path)        the region file (or fd) mapped; the header parsed and
                      validated (tools/lvos-ivshmem-server's parse_header);
                      accessors for every slot, control, descriptor and
                      arena field, raw reads and writes anywhere (fuzzing)
  HostPeer(region, slot, server_sock=None)
                      peer `slot` of the region, following
                      docs/netpv-layout.md: bind, heartbeat, the per-pair
                      link state machine, send/recv with a private FIFO
                      arena allocator, kick suppression; with server_sock
                      (ivshmem-doorbell) it is a client of the server as
                      QEMU is, so it can interrupt guests and be interrupted

Layout: include/lvos/netpv.h, all little-endian.  Python has no memory
barriers; on x86 (TSO) stores through the mmap reach the other side in
program order, which is what the protocol's write barriers ask for: the
producer writes the arena, then the descriptor, then prod.
"""

import collections
import importlib.machinery
import importlib.util
import mmap
import os
import select
import socket
import struct
import sys
import threading
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_PATH = os.path.join(os.path.dirname(_HERE), "lvos-ivshmem-server")


def load_server():
    """tools/lvos-ivshmem-server as a module (it has no .py extension)."""
    name = "lvos_ivshmem_server"
    mod = sys.modules.get(name)
    if mod is None:
        loader = importlib.machinery.SourceFileLoader(name, SERVER_PATH)
        spec = importlib.util.spec_from_loader(name, loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        sys.modules[name] = mod
    return mod


srv = load_server()
HeaderError = srv.HeaderError
parse_header = srv.parse_header
format_region = srv.format_region
format_file = srv.format_file
layout = srv.layout
Server = srv.Server

M32 = 0xffffffff
STATE_EMPTY, STATE_READY, STATE_DEAD = srv.STATE_EMPTY, srv.STATE_READY, srv.STATE_DEAD
RX_CSUM, RX_GSO, RX_XDP = 1, 2, 4
MAX_PEERS = srv.MAX_PEERS
ETH_HLEN = 14
MAX_FRAME = 65550           # 64 KiB GSO frame + Ethernet header + slack (doc)
ARENA_ALIGN = srv.ARENA_ALIGN

# struct lvos_npv_slot: field -> (offset, struct format[, count])
SLOT_FIELDS = {
    "state": (0, "I"), "generation": (4, "I"), "heartbeat": (8, "Q"),
    "ivposition": (16, "I"), "nvectors": (20, "H"), "active_queues": (22, "H"),
    "mac": (24, "6s"), "mtu": (30, "H"), "rx_features": (32, "I"), "rsvd0": (36, "I"),
    "tx_bytes": (40, "Q"), "rx_bytes": (48, "Q"),
    "pair_gen": (56, "I", MAX_PEERS), "seen_gen": (120, "I", MAX_PEERS),
}
# struct lvos_npv_ctrl (all u32)
CTRL_FIELDS = {"prod": 0, "want_cons_kick_at": 4, "cons": 64, "want_prod_kick_at": 68}
# struct lvos_npv_desc
DESC_FMT = "<IIIBBHHHH10x"
DESC_FIELDS = ("seq", "off", "len", "flags", "gso_type", "hdr_len", "gso_size",
               "csum_start", "csum_offset")
VNET_FIELDS = DESC_FIELDS[3:]
assert struct.calcsize(DESC_FMT) == srv.DESC_BYTES

# virtio_net_hdr (include/uapi/linux/virtio_net.h)
VNET_F_NEEDS_CSUM, VNET_F_DATA_VALID = 1, 2
VNET_GSO_NONE, VNET_GSO_TCPV4, VNET_GSO_UDP, VNET_GSO_TCPV6, VNET_GSO_UDP_L4 = 0, 1, 3, 4, 5
VNET_GSO_ECN = 0x80
KNOWN_FLAGS = VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID
KNOWN_GSO = (VNET_GSO_NONE, VNET_GSO_TCPV4, VNET_GSO_UDP, VNET_GSO_TCPV6, VNET_GSO_UDP_L4)


class NetpvError(Exception):
    pass


class LinkDown(NetpvError):
    """The link to that peer is not up (RUN)."""


class ProtocolError(NetpvError):
    """The other side broke docs/netpv-layout.md; the pair was dropped."""


class TxTimeout(NetpvError):
    """No ring or arena space before the deadline; the pair was dropped."""


# ---------------------------------------------------------------------------
class Region:
    """The shared region, mapped read-write from its file.

    Region(path) or Region(fd=FD) (the fd is dup()ed).  validate=True
    raises HeaderError unless the header passes every check a guest makes;
    validate=False maps anything (self.hdr is then None if it fails).

    Header: hdr (dict), P, Q, E (ring entries), A (arena bytes),
    header_field_offset(name), set_header_field(name, value, fix_crc=True).
    Slots: slot(i) -> dict; slot_get(i, field[, idx]); slot_set(i, field,
    value[, idx]); slot_off(i, field=None[, idx]).  pair_gen and seen_gen
    take idx (the other peer).
    Channels (i -> j, queue q): chan_off(i, j, q); ctrl(i, j, q) -> dict;
    ctrl_get(i, j, q, field); ctrl_set(i, j, q, field, value);
    ctrl_off(i, j, q, field); desc(i, j, q, n) -> dict (entry n % E);
    desc_set(i, j, q, n, **fields) (unnamed fields keep their value);
    desc_off(i, j, q, n); arena_read(i, j, q, off, n);
    arena_write(i, j, q, off, data); arena_off(i, j, q).
    Raw: read(off, n), write(off, data), get(off, fmt), put(off, fmt, v)
    (struct formats, little-endian) anywhere in the region."""

    def __init__(self, path=None, fd=None, validate=True):
        if (path is None) == (fd is None):
            raise ValueError("Region needs a path or an fd")
        self.path = path
        if fd is None:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        else:
            fd = os.dup(fd)
        try:
            self.size = os.fstat(fd).st_size
            if self.size == 0:
                raise HeaderError("region file %s is empty" % (path or "fd"))
            self.mm = mmap.mmap(fd, self.size)
        finally:
            os.close(fd)
        self.hdr = None
        try:
            self.hdr = parse_header(self.mm, self.size)
        except HeaderError:
            if validate:
                self.mm.close()
                raise

    def close(self):
        self.mm.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # -- raw ---------------------------------------------------------------
    def _range(self, off, n):
        if off < 0 or n < 0 or off + n > self.size:
            raise IndexError("[%d, +%d) is outside the region of %d bytes" % (off, n, self.size))

    def read(self, off, n):
        self._range(off, n)
        return bytes(self.mm[off:off + n])

    def write(self, off, data):
        data = bytes(data)
        self._range(off, len(data))
        self.mm[off:off + len(data)] = data

    def get(self, off, fmt):
        fmt = "<" + fmt.lstrip("<")
        self._range(off, struct.calcsize(fmt))
        v = struct.unpack_from(fmt, self.mm, off)
        return v[0] if len(v) == 1 else v

    def put(self, off, fmt, *vals):
        fmt = "<" + fmt.lstrip("<")
        self._range(off, struct.calcsize(fmt))
        struct.pack_into(fmt, self.mm, off, *vals)

    # -- header ------------------------------------------------------------
    def _need_hdr(self):
        if self.hdr is None:
            raise HeaderError("the region has no valid lvos_netpv header")
        return self.hdr

    P = property(lambda self: self._need_hdr()["max_peers"])
    Q = property(lambda self: self._need_hdr()["nqueues"])
    E = property(lambda self: self._need_hdr()["ring_entries"])
    A = property(lambda self: self._need_hdr()["arena_bytes"])

    def reload_header(self, validate=True):
        try:
            self.hdr = parse_header(self.mm, self.size)
        except HeaderError:
            self.hdr = None
            if validate:
                raise
        return self.hdr

    @staticmethod
    def header_field_offset(name):
        off = 0
        fmt = srv.HDR_FMT[1:]
        import re
        for f, code in zip(srv.HDR_FIELDS, re.findall(r"\d*[a-zA-Z]", fmt)):
            if f == name:
                return off, "<" + code
            off += struct.calcsize("<" + code)
        raise KeyError("no header field %r (fields: %s)" % (name, ", ".join(srv.HDR_FIELDS)))

    def set_header_field(self, name, value, fix_crc=True):
        """Write one header field (for hostile tests); fix_crc recomputes
        the crc so only the field's own check can fail."""
        off, fmt = self.header_field_offset(name)
        if isinstance(value, str):
            value = value.encode()
        struct.pack_into(fmt, self.mm, off, value)
        if fix_crc and name != "crc":
            import zlib
            struct.pack_into("<I", self.mm, srv.CRC_OFF,
                             zlib.crc32(bytes(self.mm[0:srv.CRC_OFF])) & M32)

    # -- slots -------------------------------------------------------------
    def _peer(self, i, what="peer"):
        if not 0 <= i < self.P:
            raise IndexError("%s %d: the region has %d peers" % (what, i, self.P))

    def slot_off(self, i, field=None, idx=None):
        self._peer(i)
        base = self.hdr["slot_off"] + i * srv.SLOT_BYTES
        if field is None:
            return base
        f = SLOT_FIELDS[field]
        if len(f) == 3:
            if idx is None or not 0 <= idx < f[2]:
                raise IndexError("slot field %s needs an index 0..%d" % (field, f[2] - 1))
            return base + f[0] + 4 * idx
        return base + f[0]

    def slot_get(self, i, field, idx=None):
        f = SLOT_FIELDS[field]
        v = struct.unpack_from("<" + f[1], self.mm, self.slot_off(i, field, idx))[0]
        return v

    def slot_set(self, i, field, value, idx=None):
        f = SLOT_FIELDS[field]
        if field == "mac" and isinstance(value, str):
            value = bytes(int(x, 16) for x in value.split(":"))
        struct.pack_into("<" + f[1], self.mm, self.slot_off(i, field, idx), value)

    def slot(self, i):
        base = self.slot_off(i)
        out = {}
        for name, f in SLOT_FIELDS.items():
            if len(f) == 3:
                out[name] = list(struct.unpack_from("<%d%s" % (f[2], f[1]), self.mm, base + f[0]))
            else:
                out[name] = struct.unpack_from("<" + f[1], self.mm, base + f[0])[0]
        out["mac"] = ":".join("%02x" % b for b in out["mac"])
        return out

    # -- channels ----------------------------------------------------------
    def chan_off(self, i, j, q):
        self._peer(i, "producer")
        self._peer(j, "consumer")
        if not 0 <= q < self.Q:
            raise IndexError("queue %d: the region has %d queues" % (q, self.Q))
        h = self.hdr
        return h["chan_off"] + ((i * h["max_peers"] + j) * h["nqueues"] + q) * h["chan_bytes"]

    def ctrl_off(self, i, j, q, field):
        return self.chan_off(i, j, q) + CTRL_FIELDS[field]

    def ctrl_get(self, i, j, q, field):
        return struct.unpack_from("<I", self.mm, self.ctrl_off(i, j, q, field))[0]

    def ctrl_set(self, i, j, q, field, value):
        struct.pack_into("<I", self.mm, self.ctrl_off(i, j, q, field), value & M32)

    def ctrl(self, i, j, q):
        base = self.chan_off(i, j, q)
        return {f: struct.unpack_from("<I", self.mm, base + o)[0] for f, o in CTRL_FIELDS.items()}

    def desc_off(self, i, j, q, n):
        return self.chan_off(i, j, q) + self.hdr["desc_off"] + (n % self.E) * srv.DESC_BYTES

    def desc(self, i, j, q, n):
        return dict(zip(DESC_FIELDS, struct.unpack_from(DESC_FMT, self.mm,
                                                        self.desc_off(i, j, q, n))))

    def desc_set(self, i, j, q, n, **fields):
        bad = set(fields) - set(DESC_FIELDS)
        if bad:
            raise KeyError("unknown descriptor field(s) %s" % ", ".join(sorted(bad)))
        d = self.desc(i, j, q, n)
        d.update(fields)
        struct.pack_into(DESC_FMT, self.mm, self.desc_off(i, j, q, n),
                         *[d[f] for f in DESC_FIELDS])

    def arena_off(self, i, j, q):
        return self.chan_off(i, j, q) + self.hdr["arena_off"]

    def arena_read(self, i, j, q, off, n):
        if off < 0 or n < 0 or off + n > self.A:
            raise IndexError("arena [%d, +%d) outside %d bytes" % (off, n, self.A))
        base = self.arena_off(i, j, q) + off
        return bytes(self.mm[base:base + n])

    def arena_write(self, i, j, q, off, data):
        data = bytes(data)
        if off < 0 or off + len(data) > self.A:
            raise IndexError("arena [%d, +%d) outside %d bytes" % (off, len(data), self.A))
        base = self.arena_off(i, j, q) + off
        self.mm[base:base + len(data)] = data


# ---------------------------------------------------------------------------
class Frame:
    """A received frame: data (bytes), seq, off, len and the virtio_net_hdr
    fields (flags, gso_type, hdr_len, gso_size, csum_start, csum_offset;
    also as the dict .vnet)."""

    __slots__ = ("data",) + DESC_FIELDS

    def __init__(self, data, **desc):
        self.data = data
        for f in DESC_FIELDS:
            setattr(self, f, desc[f])

    @property
    def vnet(self):
        return {f: getattr(self, f) for f in VNET_FIELDS}

    def __repr__(self):
        return "Frame(seq=%d, len=%d, vnet=%r)" % (self.seq, self.len, self.vnet)


class _Tx:
    """The producer's private state of one channel: its prod, the cons it
    last accepted, and the FIFO of records still in the arena."""

    def __init__(self, arena):
        self.arena = arena
        self.reset()

    def reset(self):
        self.prod = 0
        self.cons = 0
        self.recs = collections.deque()     # (seq, off, span), oldest first

    def accept_cons(self, cons):
        """Reclaim up to cons; False if cons is outside [self.cons, prod]."""
        if (cons - self.cons) & M32 > (self.prod - self.cons) & M32:
            return False
        for _ in range((cons - self.cons) & M32):
            self.recs.popleft()
        self.cons = cons
        return True

    def alloc(self, span):
        """Offset of span free bytes (records never wrap), or None."""
        if not self.recs:
            return 0 if span <= self.arena else None
        tail = self.recs[0][1]
        last = self.recs[-1]
        head = last[1] + last[2]
        if last[1] >= tail:                 # in use: [tail, head)
            if head + span <= self.arena:
                return head
            return 0 if span <= tail else None
        return head if head + span <= tail else None    # in use: [tail, A) + [0, head)


class HostPeer:
    """The host as peer `slot` of a region (docs/netpv-layout.md).

    HostPeer(region, slot, server_sock=None, vectors=None, mac=None,
             mtu=1500, rx_features=RX_CSUM|RX_GSO, active_queues=None,
             peer_timeout=2.0, heartbeat=0.1, bind=True)

    region: a Region, a path, or None with server_sock (the region the
    server sends is mapped).  server_sock: the doorbell server's socket
    path or a Server object; the peer connects as QEMU does (version, id,
    shm fd, the peers' eventfds, its own) and slot must be None or equal
    to the id it gets.  vectors: how many own eventfds to expect (default
    the Server's, else 1 + nqueues); published as nvectors (0 without a
    server: it polls).  bind=True binds at once; a background thread then
    bumps the heartbeat every `heartbeat` s, runs the link state machine and
    counts interrupts.  Every method is thread-safe."""

    def __init__(self, region, slot=None, server_sock=None, vectors=None, mac=None, mtu=1500,
                 rx_features=RX_CSUM | RX_GSO, active_queues=None, peer_timeout=2.0,
                 heartbeat=0.1, bind=True, log=None):
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._log = log
        self.sock = None
        self.id = None
        self.own_efds = []
        self.peer_efds = {}          # peer id -> [eventfd per vector]
        self.kicks = []              # interrupts received, per own vector
        self.server_events = []      # ("connect", id) / ("disconnect", id)
        shm_fd = None
        if server_sock is not None:
            path = server_sock
            if isinstance(server_sock, Server):
                path = server_sock.socket_path
                if vectors is None:
                    vectors = server_sock.vectors
            shm_fd = self._connect(path, vectors, region)
        own_region = False
        try:
            if region is None:
                if shm_fd is None:
                    raise ValueError("HostPeer needs a region or a server socket")
                region = Region(fd=shm_fd)
                own_region = True
            elif not isinstance(region, Region):
                region = Region(region)
                own_region = True
        finally:
            if shm_fd is not None:
                os.close(shm_fd)
        self.region = region
        self._own_region = own_region
        r = region
        if self.id is not None:
            # the server wrote our slot's ivposition (id + 1) before the id
            mine = [i for i in range(r.P) if r.slot_get(i, "ivposition") == self.id + 1]
            if len(mine) != 1 or (slot is not None and slot != mine[0]):
                self.close()
                raise ValueError("the server gave id %d: slots %s carry it, want %s"
                                 % (self.id, mine, "one" if slot is None else [slot]))
            slot = mine[0]
        if slot is None or not 0 <= slot < r.P:
            self.close()
            raise ValueError("slot %r: the region has %d peers" % (slot, r.P))
        self.slot = slot
        self.P, self.Q, self.E, self.A = r.P, r.Q, r.E, r.A
        self.nvectors = len(self.own_efds)
        self.mac = mac or "52:54:00:4e:50:%02x" % (0x80 + slot)
        self.mtu = mtu
        self.rx_features = rx_features
        self.active_queues = self.Q if active_queues is None else active_queues
        self.peer_timeout = peer_timeout
        self.heartbeat_interval = heartbeat
        self.bound = False
        self.known = [0] * self.P
        self._up = [False] * self.P
        self._alive = [False] * self.P
        self._hb = [None] * self.P           # (heartbeat value, when it last changed)
        self._tx = {(j, q): _Tx(self.A) for j in range(self.P) for q in range(self.Q)}
        self._rx = {(j, q): 0 for j in range(self.P) for q in range(self.Q)}
        self.stats = collections.Counter()
        self.errors = []                     # (peer, reason)
        self._thread = None
        self._stop = False
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._start_thread()
        if bind:
            self.bind()

    # -- logging -----------------------------------------------------------
    def log(self, msg):
        if self._log is not None:
            self._log("hostpeer %s: %s" % (self.slot, msg))

    # -- doorbell client (QEMU's side of the server protocol) --------------
    def _recv_msg(self, timeout=10.0):
        self.sock.settimeout(timeout)
        msg, fds, _, _ = socket.recv_fds(self.sock, 8, 4)
        if len(msg) != 8:
            for fd in fds:
                os.close(fd)
            raise NetpvError("ivshmem server: %s" % ("closed the connection" if not msg
                                                     else "short message"))
        if len(fds) > 1:
            for fd in fds[1:]:
                os.close(fd)
        return struct.unpack("<q", msg)[0], (fds[0] if fds else None)

    def _connect(self, path, vectors, region):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.connect(path)
        v, fd = self._recv_msg()
        if v != 0 or fd is not None:
            raise NetpvError("ivshmem server: protocol version %d%s, want 0"
                             % (v, " with an fd" if fd is not None else ""))
        v, fd = self._recv_msg()
        if v < 0 or v > 0xffff or fd is not None:
            raise NetpvError("ivshmem server: bad id message %d" % v)
        self.id = v
        v, shm_fd = self._recv_msg()
        if v != -1 or shm_fd is None:
            raise NetpvError("ivshmem server: want -1 + the shm fd, got %d" % v)
        if vectors is None:
            probe = region if isinstance(region, Region) else Region(fd=shm_fd)
            vectors = 1 + probe.Q
            if probe is not region:
                probe.close()
        # Then the peers' fds and our own, all sent at once at accept:
        # read until our own `vectors` arrived (as QEMU's realize does).
        while len(self.own_efds) < vectors:
            v, fd = self._recv_msg()
            self._server_msg(v, fd)
        self.kicks = [0] * len(self.own_efds)
        return shm_fd

    def _server_msg(self, v, fd):
        if fd is None:
            fds = self.peer_efds.pop(v, [])
            for f in fds:
                os.close(f)
            self.server_events.append(("disconnect", v))
        elif v == self.id:
            os.set_blocking(fd, False)
            self.own_efds.append(fd)
        elif 0 <= v <= 0xffff:
            self.peer_efds.setdefault(v, []).append(fd)
            if len(self.peer_efds[v]) == 1:
                self.server_events.append(("connect", v))
        else:
            os.close(fd)

    def kick(self, peer, vector=0):
        """Interrupt the peer in slot `peer` on vector, as a doorbell write
        does (to its IVPosition: the slot's ivposition - 1, written by the
        server); False when there is no such peer or vector (QEMU ignores
        those writes)."""
        with self._lock:
            fds = self.peer_efds.get(self.region.slot_get(peer, "ivposition") - 1, [])
            if not 0 <= vector < len(fds):
                return False
            try:
                os.eventfd_write(fds[vector], 1)
            except BlockingIOError:
                pass
            self.stats["kicks_sent"] += 1
            return True

    def wait_kick(self, vector=0, count=1, timeout=10.0, since=None):
        """Wait until kicks[vector] >= since + count (since: its value now);
        returns the new count."""
        with self._cond:
            base = self.kicks[vector] if since is None else since
            deadline = time.monotonic() + timeout
            while self.kicks[vector] < base + count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("hostpeer %d: %d interrupt(s) on vector %d in %.0f s "
                                       "(saw %d)" % (self.slot, count, vector, timeout,
                                                     self.kicks[vector] - base))
                self._cond.wait(left)
            return self.kicks[vector]

    def _vector_for(self, j, q):
        """The vector to kick peer j on for queue q (None: j polls)."""
        nv = self.region.slot_get(j, "nvectors")
        if nv == 0:
            return None
        return 1 + q if nv > 1 + q else 0

    def _kick_for(self, j, q):
        v = self._vector_for(j, q)
        if v is None or not self.kick(j, v):
            self.stats["kicks_dropped"] += 1

    # -- the background thread --------------------------------------------
    def _start_thread(self):
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="hostpeer-%s" % self.slot)
        self._thread.start()

    def _loop(self):
        next_hb = time.monotonic()
        while not self._stop:
            rl = [self._wake_r] + list(self.own_efds)
            if self.sock is not None:
                rl.append(self.sock)
            r, _, _ = select.select(rl, [], [], max(0.0, next_hb - time.monotonic()))
            if self._stop:
                break
            with self._lock:
                for fd in r:
                    if fd == self._wake_r:
                        try:
                            os.read(self._wake_r, 4096)
                        except BlockingIOError:
                            pass
                    elif fd is self.sock:
                        try:
                            self.sock.settimeout(0)
                            v, efd = self._recv_msg(timeout=0)
                            self._server_msg(v, efd)
                        except (BlockingIOError, InterruptedError):
                            pass
                        except (OSError, NetpvError) as e:
                            self.log("server connection: %s" % e)
                            self.sock.close()
                            self.sock = None
                    else:
                        try:
                            os.eventfd_read(fd)
                        except BlockingIOError:
                            continue
                        v = self.own_efds.index(fd)
                        self.kicks[v] += 1
                        self._cond.notify_all()
                now = time.monotonic()
                if self.bound and now >= next_hb:
                    hb = self.region.slot_get(self.slot, "heartbeat")
                    self.region.slot_set(self.slot, "heartbeat", (hb + 1) & (2 ** 64 - 1))
                    next_hb = now + self.heartbeat_interval
                elif not self.bound:
                    next_hb = now + self.heartbeat_interval
                if self.bound:
                    self._poll_links()
                self._cond.notify_all()

    # -- binding -----------------------------------------------------------
    def _zero_pair(self, j):
        r, i = self.region, self.slot
        for q in range(self.Q):
            r.ctrl_set(i, j, q, "prod", 0)
            r.ctrl_set(i, j, q, "want_cons_kick_at", 0)
            r.ctrl_set(j, i, q, "cons", 0)
            r.ctrl_set(j, i, q, "want_prod_kick_at", 0)
            self._tx[(j, q)].reset()
            self._rx[(j, q)] = 0

    def bind(self):
        """Bind to the slot (docs/netpv-layout.md "Slot and binding")."""
        with self._lock:
            r, i = self.region, self.slot
            for j in range(self.P):
                if j != i:
                    self._zero_pair(j)
            for j in range(MAX_PEERS):
                r.slot_set(i, "seen_gen", 0, j)
            for j in range(self.P):
                if j != i:
                    g = (r.slot_get(i, "pair_gen", j) + 1) & M32
                    r.slot_set(i, "pair_gen", g or 1, j)
            r.slot_set(i, "mac", self.mac)
            r.slot_set(i, "mtu", self.mtu)
            r.slot_set(i, "nvectors", self.nvectors)
            r.slot_set(i, "active_queues", self.active_queues)
            r.slot_set(i, "rx_features", self.rx_features)
            if self.id is None:     # a server writes it (id + 1); 0: no doorbell
                r.slot_set(i, "ivposition", 0)
            r.slot_set(i, "generation", (r.slot_get(i, "generation") + 1) & M32)
            r.slot_set(i, "state", STATE_READY)
            self.known = [0] * self.P
            self._up = [False] * self.P
            self._alive = [False] * self.P
            self._hb = [None] * self.P
            self.bound = True
            self.log("bound (generation %d)" % r.slot_get(i, "generation"))
        self._wake()

    def unbind(self):
        """Stop the queues and write state = EMPTY (the heartbeat stops)."""
        with self._lock:
            if not self.bound:
                return
            self.bound = False
            self._up = [False] * self.P
            self.region.slot_set(self.slot, "state", STATE_EMPTY)
            self.log("unbound")

    def close(self):
        """Unbind, disconnect from the server (which marks the slot DEAD)
        and unmap."""
        if getattr(self, "_thread", None) is not None:
            self.unbind()
            self._stop = True
            self._wake()
            self._thread.join(5)
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._thread = None
        with self._lock:
            if self.sock is not None:
                self.sock.close()
                self.sock = None
            for fd in self.own_efds:
                os.close(fd)
            self.own_efds = []
            for fds in self.peer_efds.values():
                for fd in fds:
                    os.close(fd)
            self.peer_efds = {}
            if getattr(self, "_own_region", False):
                self.region.close()
                self._own_region = False

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def _wake(self):
        try:
            os.write(self._wake_w, b"x")
        except (OSError, AttributeError):
            pass

    # -- links -------------------------------------------------------------
    def _poll_links(self):
        r, i = self.region, self.slot
        now = time.monotonic()
        for j in range(self.P):
            if j == i:
                continue
            state = r.slot_get(j, "state")
            hb = r.slot_get(j, "heartbeat")
            if self._hb[j] is None or self._hb[j][0] != hb:
                self._hb[j] = (hb, now)
            alive = state == STATE_READY and now - self._hb[j][1] <= self.peer_timeout
            if not alive:
                if self._alive[j]:
                    self._drop(j, "dead" if state == STATE_DEAD else
                               "stale" if state == STATE_READY else "gone (state %d)" % state)
                self._alive[j] = False
                self._up[j] = False
                continue
            self._alive[j] = True
            theirs = r.slot_get(j, "pair_gen", i)
            if theirs != self.known[j]:
                # j reset its side: reset ours, then acknowledge
                self._zero_pair(j)
                self.known[j] = theirs
                r.slot_set(i, "seen_gen", theirs, j)
                self.stats["resets_seen"] += 1
                self.log("peer %d reset (pair_gen %d), acknowledged" % (j, theirs))
            up = r.slot_get(j, "seen_gen", i) == r.slot_get(i, "pair_gen", j)
            if up != self._up[j]:
                self.log("link to %d %s" % (j, "up" if up else "down"))
            self._up[j] = up

    def _drop(self, j, why):
        """Drop the pair and start a new epoch (pair_gen[j] += 1)."""
        r, i = self.region, self.slot
        self._zero_pair(j)
        g = (r.slot_get(i, "pair_gen", j) + 1) & M32
        r.slot_set(i, "pair_gen", g or 1, j)
        self._up[j] = False
        self.stats["drops"] += 1
        self.errors.append((j, why))
        self.log("dropped the pair with %d: %s (pair_gen now %d)" % (j, why, g or 1))

    def drop(self, j, why="dropped by the test"):
        """Drop the pair with j by hand (a new epoch)."""
        with self._lock:
            self._drop(j, why)

    def link_up(self, j):
        """True if the link to peer j is up (RUN)."""
        with self._lock:
            if self.bound:
                self._poll_links()
            return self.bound and self._up[j]

    def wait_link(self, j, timeout=30.0, up=True):
        """Wait until link_up(j) == up; raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.link_up(j) != up:
                left = deadline - time.monotonic()
                if left <= 0:
                    s = self.region.slot(j)
                    raise TimeoutError(
                        "hostpeer %d: link to %d not %s in %.0f s (its state %d, pair_gen[%d] "
                        "%d vs known %d, seen_gen[%d] %d vs our pair_gen %d)"
                        % (self.slot, j, "up" if up else "down", timeout, s["state"], self.slot,
                           s["pair_gen"][self.slot], self.known[j], self.slot,
                           s["seen_gen"][self.slot],
                           self.region.slot_get(self.slot, "pair_gen", j)))
                self._cond.wait(min(left, 0.05))

    # -- data path ---------------------------------------------------------
    def _protocol_error(self, j, why):
        self.stats["proto_errors"] += 1
        self._drop(j, "protocol error: " + why)
        raise ProtocolError("hostpeer %d: peer %d: %s" % (self.slot, j, why))

    def _check_link(self, j, q):
        if not 0 <= q < self.Q:
            raise IndexError("queue %d: the region has %d" % (q, self.Q))
        if j == self.slot or not 0 <= j < self.P:
            raise IndexError("peer %d: not another peer of %d" % (j, self.P))
        if not self.bound:
            raise LinkDown("hostpeer %d is not bound" % self.slot)
        self._poll_links()
        if not self._up[j]:
            raise LinkDown("hostpeer %d: link to %d is down" % (self.slot, j))

    def space(self, dst, q):
        """(free descriptors, True if a max-size frame fits) after reclaim."""
        with self._lock:
            self._check_link(dst, q)
            tx = self._reclaim(dst, q)
            return (self.E - ((tx.prod - tx.cons) & M32),
                    tx.alloc(_round(MAX_FRAME)) is not None)

    def _reclaim(self, dst, q):
        tx = self._tx[(dst, q)]
        cons = self.region.ctrl_get(self.slot, dst, q, "cons")
        if not tx.accept_cons(cons):
            self._protocol_error(dst, "queue %d: cons %d outside [%d, %d]"
                                 % (q, cons, tx.cons, tx.prod))
        return tx

    def send(self, dst, q, frame, vnet=None, timeout=10.0):
        """Queue one frame (bytes, 14..65550) to peer dst on queue q with
        the virtio_net_hdr fields in vnet (flags, gso_type, hdr_len,
        gso_size, csum_start, csum_offset; missing ones 0).  Publishes prod
        and kicks dst if its want_prod_kick_at asks for it.  Without space
        it writes want_cons_kick_at = prod - 1 and waits up to timeout s
        (timeout 0: returns False at once); past the deadline the pair is
        dropped (a TX timeout) and TxTimeout raised.  LinkDown if the link
        is not up; ProtocolError (pair dropped) if dst moved cons outside
        [reclaimed, prod].  Returns True once queued."""
        frame = bytes(frame)
        if not ETH_HLEN <= len(frame) <= MAX_FRAME:
            raise ValueError("frame of %d bytes: must be %d..%d" % (len(frame), ETH_HLEN,
                                                                      MAX_FRAME))
        vnet = dict(vnet or {})
        bad = set(vnet) - set(VNET_FIELDS)
        if bad:
            raise ValueError("unknown vnet field(s) %s (known: %s)"
                             % (", ".join(sorted(bad)), ", ".join(VNET_FIELDS)))
        span = _round(len(frame))
        deadline = time.monotonic() + timeout
        r, i = self.region, self.slot
        with self._cond:
            while True:
                self._check_link(dst, q)
                tx = self._reclaim(dst, q)
                off = None
                if (tx.prod - tx.cons) & M32 < self.E:
                    off = tx.alloc(span)
                if off is not None:
                    old = tx.prod
                    r.arena_write(i, dst, q, off, frame)
                    d = dict(seq=old, off=off, len=len(frame))
                    for f in VNET_FIELDS:
                        d[f] = vnet.get(f, 0)
                    struct.pack_into(DESC_FMT, r.mm, r.desc_off(i, dst, q, old),
                                     *[d[f] for f in DESC_FIELDS])
                    tx.recs.append((old, off, span))
                    tx.prod = (old + 1) & M32
                    r.ctrl_set(i, dst, q, "prod", tx.prod)          # last
                    self.stats["tx_frames"] += 1
                    self.stats["tx_bytes"] += len(frame)
                    r.slot_set(i, "tx_bytes", self.stats["tx_bytes"] & (2 ** 64 - 1))
                    want = r.ctrl_get(i, dst, q, "want_prod_kick_at")
                    if (want - old) & M32 < (tx.prod - old) & M32:
                        self._kick_for(dst, q)
                    else:
                        self.stats["kicks_suppressed"] += 1
                    return True
                self.stats["tx_full"] += 1
                r.ctrl_set(i, dst, q, "want_cons_kick_at", (tx.prod - 1) & M32)
                left = deadline - time.monotonic()
                if timeout <= 0:
                    return False
                if left <= 0:
                    self._drop(dst, "TX timeout on queue %d" % q)
                    raise TxTimeout("hostpeer %d: no space to %d on queue %d in %.1f s"
                                    % (i, dst, q, timeout))
                self._cond.wait(min(left, 0.005))

    def recv(self, src, q, max_frames=None, arm=True):
        """The frames peer src published on queue q since the last call
        (list of Frame), validated as a guest validates them (seq, off +
        len within the arena, 14 <= len <= 65550, known flags and
        gso_type; prod - cons <= ring entries); then cons is published and
        src kicked if its want_cons_kick_at asks for it.  arm=True: once
        caught up, write want_prod_kick_at = cons (ask for a kick) and look
        at prod again.  LinkDown if the link is not up; ProtocolError (pair
        dropped) on bad input."""
        r, i = self.region, self.slot
        out = []
        with self._lock:
            self._check_link(src, q)
            cons = self._rx[(src, q)]
            while True:
                prod = r.ctrl_get(src, i, q, "prod")
                if (prod - cons) & M32 > self.E:
                    self._protocol_error(src, "queue %d: prod %d is %d ahead of cons %d"
                                         % (q, prod, (prod - cons) & M32, cons))
                n = cons
                while n != prod and (max_frames is None or len(out) < max_frames):
                    raw = r.read(r.desc_off(src, i, q, n), srv.DESC_BYTES)
                    d = dict(zip(DESC_FIELDS, struct.unpack(DESC_FMT, raw)))
                    why = _bad_desc(d, n, self.A)
                    if why:
                        self._protocol_error(src, "queue %d: desc %d: %s" % (q, n, why))
                    out.append(Frame(r.arena_read(src, i, q, d["off"], d["len"]), **d))
                    n = (n + 1) & M32
                if n != cons:
                    old = cons
                    cons = n
                    self._rx[(src, q)] = cons
                    r.ctrl_set(src, i, q, "cons", cons)
                    want = r.ctrl_get(src, i, q, "want_cons_kick_at")
                    if (want - old) & M32 < (cons - old) & M32:
                        self._kick_for(src, q)
                if max_frames is not None and len(out) >= max_frames:
                    break
                if not arm:
                    break
                r.ctrl_set(src, i, q, "want_prod_kick_at", cons)
                if r.ctrl_get(src, i, q, "prod") == cons:
                    break
            if out:
                self.stats["rx_frames"] += len(out)
                self.stats["rx_bytes"] += sum(f.len for f in out)
                r.slot_set(i, "rx_bytes", self.stats["rx_bytes"] & (2 ** 64 - 1))
        return out

    def wait_recv(self, src, q, count=1, timeout=30.0):
        """recv() until count frames arrived (woken by interrupts, else
        polling every 5 ms); returns them all; TimeoutError with what came."""
        out = []
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                out += self.recv(src, q)
                if len(out) >= count:
                    return out
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("hostpeer %d: %d of %d frame(s) from %d on queue %d "
                                       "in %.0f s" % (self.slot, len(out), count, src, q,
                                                      timeout))
                self._cond.wait(min(left, 0.005))


def _round(n):
    return (n + ARENA_ALIGN - 1) // ARENA_ALIGN * ARENA_ALIGN


def _bad_desc(d, n, arena):
    if d["seq"] != n:
        return "seq %d, want %d" % (d["seq"], n)
    if d["off"] + d["len"] > arena:
        return "off %d + len %d beyond the %d-byte arena" % (d["off"], d["len"], arena)
    if not ETH_HLEN <= d["len"] <= MAX_FRAME:
        return "len %d not in %d..%d" % (d["len"], ETH_HLEN, MAX_FRAME)
    if d["flags"] & ~KNOWN_FLAGS:
        return "unknown flags 0x%x" % d["flags"]
    if d["gso_type"] & ~VNET_GSO_ECN not in KNOWN_GSO:
        return "unknown gso_type 0x%x" % d["gso_type"]
    return None
