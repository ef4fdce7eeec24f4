"""Peer processes of the reliability tests: `python _peer.py ROLE 'JSON ARGS'`.

Run by the tests, usually inside a network namespace (`ip netns exec NS python _peer.py ...`).
A peer reports JSON lines on stdout ({"ev": name, ...}; "summary" last, "error" on failure)
and takes JSON commands on stdin ({"cmd": name, ...}); end of stdin means stop. Every loop is
bounded by a deadline (args["max_s"]) and every wait by a poll timeout.
"""
from __future__ import annotations

import collections
import errno
import json
import os
import sys
import threading
import time
import traceback
from typing import Any, Callable, Dict, List, Optional

import zmq_cffi as zmq
from zmq_cffi.utils.monitor import recv_monitor_message

_out_lock = threading.Lock()


def emit(ev: str, **kw: Any) -> None:
    with _out_lock:
        sys.stdout.write(json.dumps({"ev": ev, **kw}) + "\n")
        sys.stdout.flush()


def errname(e: zmq.ZMQError) -> str:
    return errno.errorcode.get(e.errno, str(e.errno))


class Deadline(Exception):
    pass


class Control:
    """Commands from the test on stdin, read without blocking (register `fd` in a Poller)."""

    def __init__(self) -> None:
        self.fd = sys.stdin.fileno()
        os.set_blocking(self.fd, False)
        self.buf = b""
        self.eof = False

    def read(self) -> List[Dict[str, Any]]:
        cmds = []
        while not self.eof:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                self.eof = True
                break
            self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                cmds.append(json.loads(line))
        if self.eof:
            cmds.append({"cmd": "stop"})
        return cmds


class Watch:
    """A socket's monitor: counts every event and reports the `report`ed ones as they come."""

    def __init__(self, sock: zmq.Socket, report: tuple = ("DISCONNECTED", "HANDSHAKE_SUCCEEDED")) -> None:
        self.mon = sock.get_monitor_socket()
        self.mon.linger = 0
        self.report = report
        self.counts: Dict[str, int] = collections.Counter()
        self.log: List[str] = []

    def drain(self, **context: Any) -> List[str]:
        seen = []
        while True:
            try:
                msg = recv_monitor_message(self.mon, zmq.NOBLOCK)
            except zmq.Again:
                return seen
            name = getattr(msg["event"], "name", str(msg["event"]))
            self.counts[name] += 1
            self.log.append(name)
            seen.append(name)
            if name in self.report:
                emit("monitor", event=name, value=msg["value"], count=self.counts[name], **context)


def deadline_of(args: Dict[str, Any]) -> float:
    return time.monotonic() + float(args.get("max_s", 100))


def check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise Deadline("peer ran past its deadline")


# -- (a) lazy pirate ----------------------------------------------------------------------------


def role_lp_server(args: Dict[str, Any]) -> None:
    """REP server that executes each request id once and answers repeats from a reply cache."""
    deadline = deadline_of(args)
    ctx = zmq.Context()
    rep = ctx.socket(zmq.REP)
    rep.linger = 0
    port = rep.bind_to_random_port(f"tcp://{args.get('host', '127.0.0.1')}")
    control = Control()
    poller = zmq.Poller()
    poller.register(rep, zmq.POLLIN)
    poller.register(control.fd, zmq.POLLIN)
    executions: Dict[int, int] = collections.Counter()
    cache: Dict[int, bytes] = {}
    repeats = 0
    emit("ready", port=port)
    running = True
    while running:
        check(deadline)
        events = dict(poller.poll(1000))
        if rep in events:
            request = rep.recv()
            rid = int(request.split(b":")[1])
            if rid in cache:
                repeats += 1
            else:
                executions[rid] += 1
                cache[rid] = b"reply:%d" % rid
            rep.send(cache[rid])
        for cmd in control.read():
            if cmd["cmd"] == "stop":
                running = False
    emit(
        "summary",
        handled=len(executions),
        max_executions=max(executions.values()) if executions else 0,
        total_executions=sum(executions.values()),
        repeats=repeats,
    )
    rep.close()
    ctx.term()


def role_relay(args: Dict[str, Any]) -> None:
    from _relay import FaultRelay

    deadline = deadline_of(args)
    relay = FaultRelay(
        listen=(args["host"], 0),
        target=(args["target_host"], args["target_port"]),
        delay_ms=tuple(args.get("delay_ms", (0, 0))),
        chunk=args.get("chunk", 65536),
        cut_every=args.get("cut_every", 0),
        seed=args.get("seed", 0),
    ).start()
    emit("ready", port=relay.port)
    control = Control()
    import select

    running = True
    while running:
        check(deadline)
        select.select([control.fd], [], [], 1.0)
        for cmd in control.read():
            if cmd["cmd"] == "stop":
                running = False
            elif cmd["cmd"] == "cut":
                emit("cut", connections=relay.cut_all())
    relay.close()
    emit("summary", **relay.snapshot())


def role_lp_client(args: Dict[str, Any]) -> None:
    """Lazy pirate: each request is retried until answered (mode 'relaxed': the same REQ
    socket with REQ_RELAXED + REQ_CORRELATE; mode 'fresh': a new REQ socket per retry)."""
    deadline = deadline_of(args)
    ctx = zmq.Context()
    endpoint = f"tcp://{args['host']}:{args['port']}"
    mode = args["mode"]
    timeout_ms = args.get("timeout_ms", 1000)
    max_attempts = args.get("max_attempts", 30)
    counts: Dict[str, int] = collections.Counter()

    def new_socket() -> zmq.Socket:
        s = ctx.socket(zmq.REQ)
        s.linger = 0
        s.sndtimeo = timeout_ms
        s.reconnect_ivl = 100
        s.reconnect_ivl_max = 1000
        s.connect_timeout = 1000
        if mode == "relaxed":
            s.set(zmq.REQ_RELAXED, 1)
            s.set(zmq.REQ_CORRELATE, 1)
        counts["sockets"] += 1
        return s

    req: Optional[zmq.Socket] = None
    retries = 0
    mismatches = 0
    attempts_hist: Dict[int, int] = collections.Counter()
    started = time.monotonic()
    for rid in range(args["n"]):
        attempts = 0
        while True:
            check(deadline)
            attempts += 1
            if attempts > max_attempts:
                raise RuntimeError(f"request {rid} unanswered after {max_attempts} attempts")
            if req is None:
                req = new_socket()
                req.connect(endpoint)
            try:
                req.send(b"req:%d" % rid)
            except zmq.Again:
                counts["send_timeouts"] += 1
                if mode == "fresh":
                    req.close(linger=0)
                    req = None
                continue
            if req.poll(timeout_ms):
                reply = req.recv()
                if reply != b"reply:%d" % rid:
                    mismatches += 1
                    continue
                break
            retries += 1
            if mode == "fresh":
                req.close(linger=0)
                req = None
        attempts_hist[attempts] += 1
    if req is not None:
        req.close(linger=0)
    ctx.term()
    emit(
        "summary",
        answered=sum(attempts_hist.values()),
        retries=retries,
        mismatches=mismatches,
        max_attempts=max(attempts_hist),
        sockets=counts["sockets"],
        send_timeouts=counts["send_timeouts"],
        elapsed=round(time.monotonic() - started, 2),
    )


# -- (b) link down / up under a PUSH/PULL stream -----------------------------------------------


def _heartbeats(s: zmq.Socket, args: Dict[str, Any]) -> None:
    s.heartbeat_ivl = args.get("hb_ivl", 100)
    s.heartbeat_timeout = args.get("hb_timeout", 600)
    s.heartbeat_ttl = args.get("hb_ttl", 1200)


def _ranges(missing: List[int]) -> List[List[int]]:
    out: List[List[int]] = []
    for m in missing:
        if out and out[-1][1] == m - 1:
            out[-1][1] = m
        else:
            out.append([m, m])
    return out


def role_pull_stream(args: Dict[str, Any]) -> None:
    deadline = deadline_of(args)
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.linger = 0
    pull.rcvhwm = args.get("hwm", 100)
    _heartbeats(pull, args)
    port = pull.bind_to_random_port(f"tcp://{args['host']}")
    watch = Watch(pull, report=("DISCONNECTED", "ACCEPTED", "HANDSHAKE_SUCCEEDED"))
    control = Control()
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.register(watch.mon, zmq.POLLIN)
    poller.register(control.fd, zmq.POLLIN)
    emit("ready", port=port)
    seqs: List[int] = []
    duplicates = out_of_order = 0
    seen = set()
    milestone = args.get("milestone", 200)
    ended = False
    while not ended:
        check(deadline)
        events = dict(poller.poll(1000))
        if watch.mon in events:
            watch.drain(received=len(seqs), last=seqs[-1] if seqs else -1)
        if pull in events:
            while True:
                try:
                    msg = pull.recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if msg == b"END":
                    ended = True
                    break
                seq = int(msg)
                if seq in seen:
                    duplicates += 1
                elif seqs and seq < seqs[-1]:
                    out_of_order += 1
                seen.add(seq)
                seqs.append(seq)
                if len(seqs) == milestone:
                    emit("progress", received=len(seqs), last=seq)
        for cmd in control.read():
            if cmd["cmd"] == "stop":
                raise RuntimeError("stopped before END arrived")
    last = seqs[-1] if seqs else -1
    missing = sorted(set(range(last + 1)) - seen)
    emit(
        "summary",
        received=len(seqs),
        last=last,
        duplicates=duplicates,
        out_of_order=out_of_order,
        missing=_ranges(missing),
        events=dict(watch.counts),
    )
    pull.close()
    watch.mon.close()
    ctx.term()


def role_push_stream(args: Dict[str, Any]) -> None:
    """Sends 0, 1, 2, ... every interval_ms; never drops: at SNDHWM it waits and retries."""
    deadline = deadline_of(args)
    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.sndhwm = args.get("hwm", 100)
    push.reconnect_ivl = 100
    push.reconnect_ivl_max = 200
    push.connect_timeout = 300
    _heartbeats(push, args)
    watch = Watch(push, report=("DISCONNECTED", "HANDSHAKE_SUCCEEDED"))
    push.connect(f"tcp://{args['host']}:{args['port']}")
    control = Control()
    poller = zmq.Poller()
    poller.register(watch.mon, zmq.POLLIN)
    poller.register(control.fd, zmq.POLLIN)
    interval = args.get("interval_ms", 2) / 1000.0
    seq = 0
    hwm_waits = 0
    hwm_reported = False
    finish_at: Optional[int] = None
    next_send = time.monotonic()
    while finish_at is None or seq < finish_at:
        check(deadline)
        timeout = max(0.0, next_send - time.monotonic())
        events = dict(poller.poll(int(timeout * 1000)))
        if watch.mon in events:
            for name in watch.drain(last_sent=seq - 1):
                if name == "DISCONNECTED":
                    hwm_reported = False
        for cmd in control.read():
            if cmd["cmd"] == "finish" and finish_at is None:
                finish_at = seq + args.get("tail", 100)
            elif cmd["cmd"] == "stop":
                raise RuntimeError("stopped before finishing")
        if time.monotonic() >= next_send:
            try:
                push.send(b"%d" % seq, zmq.NOBLOCK)
                seq += 1
                next_send += interval
            except zmq.Again:
                # SNDHWM reached: PUSH does not drop, it makes us wait.
                hwm_waits += 1
                if not hwm_reported:
                    hwm_reported = True
                    emit("hwm", seq=seq)
                push.poll(50, zmq.POLLOUT)
                next_send = time.monotonic()
    push.sndtimeo = 10_000
    push.send(b"END")
    watch.drain(last_sent=seq - 1)
    # LINGER lets the queued tail and END reach the receiver before the context ends.
    push.close(linger=10_000)
    watch.mon.close()
    ctx.term()
    emit("summary", sent=seq, hwm_waits=hwm_waits, events=dict(watch.counts))


# -- (c) killed peers ---------------------------------------------------------------------------


def role_router_echo(args: Dict[str, Any]) -> None:
    """ROUTER that echoes every message (b're:' + payload); probes on command."""
    deadline = deadline_of(args)
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    if args.get("mandatory"):
        router.router_mandatory = 1
    watch = Watch(router, report=("DISCONNECTED", "ACCEPTED", "HANDSHAKE_SUCCEEDED"))
    if args.get("port"):
        router.bind(f"tcp://{args['host']}:{args['port']}")
        port = args["port"]
    else:
        port = router.bind_to_random_port(f"tcp://{args['host']}")
    control = Control()
    poller = zmq.Poller()
    poller.register(router, zmq.POLLIN)
    poller.register(watch.mon, zmq.POLLIN)
    poller.register(control.fd, zmq.POLLIN)
    emit("ready", port=port)
    echoed = 0
    send_errors: Dict[str, int] = collections.Counter()

    def probe(peer: bytes, until: str) -> Dict[str, Any]:
        outcomes: List[str] = []
        streak = 0
        for _ in range(200):
            try:
                router.send_multipart([peer, b"probe"], zmq.NOBLOCK)
                outcome = "ok"
            except zmq.ZMQError as e:
                outcome = errname(e)
            outcomes.append(outcome)
            if until == "ok" and outcome == "ok":
                break
            streak = streak + 1 if outcome == "EHOSTUNREACH" else 0
            if until == "unreachable" and streak >= 5:
                break
            # zmq_poll makes the socket process pending commands (pipe ends) before the retry.
            router.poll(20, zmq.POLLOUT)
        return {"outcomes": dict(collections.Counter(outcomes)), "first": outcomes[:5], "last": outcomes[-1]}

    running = True
    while running:
        check(deadline)
        events = dict(poller.poll(1000))
        if watch.mon in events:
            watch.drain(echoed=echoed)
        if router in events:
            while True:
                try:
                    peer, payload = router.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                try:
                    router.send_multipart([peer, b"re:" + payload], zmq.NOBLOCK)
                    echoed += 1
                except zmq.ZMQError as e:
                    send_errors[errname(e)] += 1
        for cmd in control.read():
            if cmd["cmd"] == "stop":
                running = False
            elif cmd["cmd"] == "probe":
                emit("probe", peer=cmd["peer"], **probe(cmd["peer"].encode(), cmd["until"]))
    emit("summary", echoed=echoed, send_errors=dict(send_errors), events=dict(watch.counts))
    router.close()
    watch.mon.close()
    ctx.term()


def role_dealer_client(args: Dict[str, Any]) -> None:
    """DEALER sending b'req:N' every interval_ms and counting the echoes it gets back."""
    deadline = deadline_of(args)
    ctx = zmq.Context()
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.sndhwm = args.get("hwm", 1000)
    dealer.reconnect_ivl = 100
    dealer.reconnect_ivl_max = 200
    if args.get("routing_id"):
        dealer.routing_id = args["routing_id"].encode()
    watch = Watch(dealer, report=("DISCONNECTED", "HANDSHAKE_SUCCEEDED"))
    dealer.connect(f"tcp://{args['host']}:{args['port']}")
    control = Control()
    poller = zmq.Poller()
    poller.register(dealer, zmq.POLLIN)
    poller.register(watch.mon, zmq.POLLIN)
    poller.register(control.fd, zmq.POLLIN)
    interval = args.get("interval_ms", 5) / 1000.0
    milestone = args.get("milestone", 50)
    sent = 0
    replied = set()
    duplicates = unknown = blocked = 0
    since_handshake = 0
    next_send = time.monotonic()
    running = True
    while running:
        check(deadline)
        timeout = max(0.0, next_send - time.monotonic())
        events = dict(poller.poll(int(timeout * 1000)))
        if watch.mon in events:
            for name in watch.drain(replies=len(replied), sent=sent):
                if name == "HANDSHAKE_SUCCEEDED":
                    since_handshake = 0
        if dealer in events:
            while True:
                try:
                    reply = dealer.recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if reply == b"probe":
                    emit("probed")
                    continue
                n = int(reply.split(b":")[-1])
                if n in replied:
                    duplicates += 1
                elif n >= sent:
                    unknown += 1
                else:
                    replied.add(n)
                    since_handshake += 1
                    if since_handshake % milestone == 0:
                        emit(
                            "progress",
                            replies=len(replied),
                            since_handshake=since_handshake,
                            handshakes=watch.counts["HANDSHAKE_SUCCEEDED"],
                        )
        for cmd in control.read():
            if cmd["cmd"] == "stop":
                running = False
        if running and time.monotonic() >= next_send:
            try:
                dealer.send(b"req:%d" % sent, zmq.NOBLOCK)
                sent += 1
            except zmq.Again:
                blocked += 1
            next_send += interval
            if next_send < time.monotonic() - 1:
                next_send = time.monotonic()
    emit(
        "summary",
        sent=sent,
        replies=len(replied),
        duplicates=duplicates,
        unknown=unknown,
        blocked_sends=blocked,
        events=dict(watch.counts),
    )
    dealer.close()
    watch.mon.close()
    ctx.term()


# -- (d) slow subscriber -------------------------------------------------------------------------


def role_pub(args: Dict[str, Any]) -> None:
    deadline = deadline_of(args)
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.linger = 0
    pub.sndhwm = args["hwm"]
    pub.sndtimeo = 2000  # a PUB that blocked would show up as Again
    if args.get("sndbuf"):
        pub.sndbuf = args["sndbuf"]
    port = pub.bind_to_random_port(f"tcp://{args['host']}")
    control = Control()
    emit("ready", port=port)
    import select

    # Warm-up beacons until the subscriber has seen one (its subscription has arrived).
    go = False
    while not go:
        check(deadline)
        pub.send(b"W")
        select.select([control.fd], [], [], 0.02)
        for cmd in control.read():
            if cmd["cmd"] == "go":
                go = True
            elif cmd["cmd"] == "stop":
                raise RuntimeError("stopped during warm-up")
    n, pad = args["n"], b"x" * args.get("size", 256)
    again = 0
    worst = 0.0
    started = time.monotonic()
    for i in range(n):
        t0 = time.monotonic()
        try:
            pub.send(b"%08d" % i + pad)
        except zmq.Again:
            again += 1
        worst = max(worst, time.monotonic() - t0)
    elapsed = time.monotonic() - started
    emit("published", n=n, elapsed=round(elapsed, 3), max_send_ms=round(worst * 1000, 2), again=again)
    stopped = False
    while not stopped:
        check(deadline)
        pub.send(b"END")
        select.select([control.fd], [], [], 0.02)
        for cmd in control.read():
            if cmd["cmd"] == "stop":
                stopped = True
    pub.close()
    ctx.term()
    emit("summary", n=n, again=again)


def role_sub(args: Dict[str, Any]) -> None:
    deadline = deadline_of(args)
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.rcvhwm = args["hwm"]
    if args.get("rcvbuf"):
        sub.rcvbuf = args["rcvbuf"]
    sub.rcvtimeo = 1000
    sub.subscribe(b"")
    sub.connect(f"tcp://{args['host']}:{args['port']}")
    slow = args.get("slow_ms", 0) / 1000.0
    seqs: List[int] = []
    seen = set()
    duplicates = out_of_order = 0
    ready = False
    while True:
        check(deadline)
        try:
            msg = sub.recv()
        except zmq.Again:
            continue
        if msg == b"W":
            if not ready:
                ready = True
                emit("ready")
            continue
        if msg == b"END":
            break
        seq = int(msg[:8])
        if seq in seen:
            duplicates += 1
        elif seqs and seq < seqs[-1]:
            out_of_order += 1
        seen.add(seq)
        seqs.append(seq)
        if slow:
            time.sleep(slow)  # the slow consumer's own work (pacing, not synchronisation)
    prefix = 0
    while prefix in seen:
        prefix += 1
    emit(
        "summary",
        received=len(seqs),
        duplicates=duplicates,
        out_of_order=out_of_order,
        complete_prefix=prefix,
        last=seqs[-1] if seqs else -1,
    )
    sub.close()
    ctx.term()


# -- load ---------------------------------------------------------------------------------------


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def role_load_clients(args: Dict[str, Any]) -> None:
    """`threads` REQ clients in this process, each sending `requests` requests."""
    deadline = deadline_of(args)
    fds_before = _fds()
    threads_before = threading.active_count()
    ctx = zmq.Context()
    answered = [0] * args["threads"]
    errors: List[str] = []
    start = threading.Barrier(args["threads"], timeout=60)

    def client(k: int) -> None:
        cid = args["base"] + k
        s = ctx.socket(zmq.REQ)
        s.linger = 0
        s.rcvtimeo = s.sndtimeo = 60_000
        try:
            s.connect(args["endpoint"])
            start.wait()
            for i in range(args["requests"]):
                if time.monotonic() > deadline:
                    raise Deadline(f"client {cid} at request {i}")
                request = b"%d:%d" % (cid, i)
                s.send(request)
                reply = s.recv()
                if reply != b"ok:" + request:
                    raise RuntimeError(f"client {cid}: {request!r} answered by {reply!r}")
                answered[k] += 1
        except Exception as e:  # reported, and makes the test fail
            errors.append(f"{type(e).__name__}: {e}")
        finally:
            s.close()

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(args["threads"])]
    for t in workers:
        t.start()
    for t in workers:
        t.join(max(1.0, deadline - time.monotonic()))
    alive = sum(t.is_alive() for t in workers)
    elapsed = time.monotonic() - started
    if not alive:
        ctx.term()
    emit(
        "summary",
        answered=sum(answered),
        errors=errors[:5],
        error_count=len(errors),
        hung_threads=alive,
        elapsed=round(elapsed, 2),
        fds_before=fds_before,
        fds_after=_fds(),
        threads_before=threads_before,
        threads_after=threading.active_count(),
    )


ROLES: Dict[str, Callable[[Dict[str, Any]], None]] = {
    name[len("role_"):]: fn for name, fn in list(globals().items()) if name.startswith("role_")
}


def main() -> int:
    role, args = sys.argv[1], json.loads(sys.argv[2])
    try:
        ROLES[role](args)
    except BaseException as e:  # noqa: B902 - everything goes back to the test
        emit("error", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
