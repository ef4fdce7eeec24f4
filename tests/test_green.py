"""zmq_cffi.green under real gevent over real sockets: blocking calls yield to other greenlets.

gevent is a test dependency on both interpreters: without it these tests fail at import
rather than skip. Nothing is monkey-patched; each test runs greenlets from the main one and
joins them with a bound, and every socket has RCVTIMEO/SNDTIMEO as a backstop.
"""
from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import threading
from typing import Any, Callable, Dict, Iterator, List, Set, Tuple

import gevent
import gevent.event
import pytest

import zmq_cffi
import zmq_cffi.green as zmq
from zmq_cffi.utils import jsonapi
from tests.conftest import TIMEOUT_MS, endpoint

#: Bound (s) for joining the greenlets of a test.
JOIN_S = 60

# zmq.green warns on each use of RCVTIMEO/SNDTIMEO, as pyzmq does; the tests use them as backstops.
pytestmark = pytest.mark.filterwarnings("ignore:.*on a zmq.green socket:UserWarning")


@pytest.fixture
def gctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


def gpair(
    ctx: zmq.Context, bind_type: int, connect_type: int, transport: str = "inproc", hwm: int = 0
) -> Tuple[zmq.Socket, zmq.Socket]:
    a, b = ctx.socket(bind_type), ctx.socket(connect_type)
    for s in (a, b):
        s.linger = 0
        s.rcvtimeo = s.sndtimeo = TIMEOUT_MS
        if hwm:
            s.sndhwm = s.rcvhwm = hwm
    a.bind(endpoint(transport))
    b.connect(a.get_string(zmq.LAST_ENDPOINT))
    return a, b


def run_all(*functions: Callable[[], Any]) -> List[Any]:
    """Run each function in its own greenlet; return their results, or raise the first error."""
    greenlets = [gevent.spawn(f) for f in functions]
    done = gevent.joinall(greenlets, timeout=JOIN_S)
    gevent.killall([g for g in greenlets if not g.ready()])
    for g in greenlets:
        if not g.successful() and not isinstance(g.exception, gevent.GreenletExit):
            g.get()  # re-raises the greenlet's exception
    assert len(done) == len(greenlets), "greenlets still running after the bound"
    return [g.value for g in greenlets]


class Counter:
    """A greenlet that counts as long as the hub lets it run; `reached(n)` is set at n."""

    def __init__(self) -> None:
        self.count = 0
        self.marks: Dict[int, gevent.event.Event] = {}
        self.greenlet = gevent.spawn(self._run)

    def reached(self, n: int) -> gevent.event.Event:
        return self.marks.setdefault(n, gevent.event.Event())

    def _run(self) -> None:
        while True:
            self.count += 1
            mark = self.marks.get(self.count)
            if mark is not None:
                mark.set()
            gevent.sleep(0)

    def stop(self) -> None:
        self.greenlet.kill()


# -- the package --------------------------------------------------------------------------------


def test_green_exports_pyzmq_names_and_cooperative_classes() -> None:
    for name in ("Context", "Socket", "Poller", "select", "device", "proxy"):
        assert getattr(zmq, name) is not getattr(zmq_cffi, name), name
    assert zmq.PUSH == zmq_cffi.PUSH and zmq.Again is zmq_cffi.Again
    assert zmq.Frame is zmq_cffi.Frame and zmq.ZMQError is zmq_cffi.ZMQError
    assert issubclass(zmq.Socket, zmq_cffi.Socket) and issubclass(zmq.Context, zmq_cffi.Context)
    assert issubclass(zmq.Poller, zmq_cffi.Poller)
    assert zmq._Socket is zmq.Socket and zmq._Context is zmq.Context and zmq._Poller is zmq.Poller
    for name in ("Context", "Socket", "Poller", "device", "PUSH", "Again"):
        assert name in zmq.__all__


def test_context_makes_green_sockets_and_has_its_own_instance(gctx: zmq.Context) -> None:
    with gctx.socket(zmq.PUSH) as s:
        assert isinstance(s, zmq.Socket)
        assert repr(s).startswith("<zmq_cffi.green.Socket(zmq.PUSH)")
        # get_monitor_socket's PAIR comes from the same green context; its events arrive.
        # (Received before disable_monitor: libzmq 4.3.4 may block that call, with pyzmq too,
        # while the reader's inproc pipe is not attached yet.)
        monitor = s.get_monitor_socket()
        assert isinstance(monitor, zmq.Socket)
        monitor.rcvtimeo = TIMEOUT_MS
        s.bind(endpoint("tcp"))
        from zmq_cffi.utils.monitor import recv_monitor_message

        assert run_all(lambda: recv_monitor_message(monitor)["event"]) == [zmq.EVENT_LISTENING]
        s.disable_monitor()
    inst = zmq.Context.instance()
    assert isinstance(inst, zmq.Context) and inst is zmq.Context.instance()
    assert inst is not zmq_cffi.Context.instance()
    assert not isinstance(zmq_cffi.Context.instance(), zmq.Context)


def test_eventloop_modules_have_pyzmq_names() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from zmq_cffi.eventloop import zmqstream as plain_zmqstream
        from zmq_cffi.green import eventloop
        from zmq_cffi.green.eventloop import ioloop, zmqstream
    import tornado.ioloop

    assert eventloop.IOLoop is tornado.ioloop.IOLoop is ioloop.IOLoop is zmqstream.IOLoop
    assert issubclass(zmqstream.ZMQStream, plain_zmqstream.ZMQStream)


# -- the hub keeps running -------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["inproc", "ipc", "tcp"])
def test_recv_lets_other_greenlets_run(gctx: zmq.Context, transport: str) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH, transport)
    counter = Counter()

    def send_after_counting() -> None:
        # Only a hub that runs other greenlets while recv waits gets the counter to 1000.
        assert counter.reached(1000).wait(JOIN_S)
        push.send(b"late")

    try:
        received, _ = run_all(pull.recv, send_after_counting)
    finally:
        counter.stop()
    assert received == b"late"
    assert counter.count >= 1000


def test_send_blocked_by_hwm_lets_other_greenlets_run(gctx: zmq.Context) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH, "tcp", hwm=5)
    counter = Counter()
    n = 2000

    def send_all() -> int:
        for i in range(n):
            push.send(b"%d" % i)
        return counter.count

    def recv_after_counting() -> List[bytes]:
        assert counter.reached(500).wait(JOIN_S)
        return [pull.recv() for _ in range(n)]

    try:
        count_when_sent, received = run_all(send_all, recv_after_counting)
    finally:
        counter.stop()
    assert received == [b"%d" % i for i in range(n)]
    assert count_when_sent >= 500  # the sender was held by the HWM while the counter ran


def test_poll_and_socket_poll_let_other_greenlets_run(gctx: zmq.Context) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH)
    counter = Counter()

    def send_after_counting() -> None:
        assert counter.reached(300).wait(JOIN_S)
        push.send(b"one")
        assert counter.reached(600).wait(JOIN_S)
        push.send(b"two")

    def wait_twice() -> Tuple[int, int]:
        first = pull.poll(TIMEOUT_MS)
        pull.recv()
        poller = zmq.Poller()
        poller.register(pull, zmq.POLLIN)
        second = dict(poller.poll(TIMEOUT_MS))[pull]
        return first, second

    try:
        (first, second), _ = run_all(wait_twice, send_after_counting)
    finally:
        counter.stop()
    assert first == second == zmq.POLLIN and type(first) is int
    assert pull.recv() == b"two"
    assert counter.count >= 600


def test_greenlets_in_another_thread_use_that_threads_hub(gctx: zmq.Context) -> None:
    """Each thread has its own gevent hub: green sockets used in a second thread wait there
    while the main thread's greenlets run on theirs."""
    main_pull, main_push = gpair(gctx, zmq.PULL, zmq.PUSH)
    thread_pull, thread_push = gpair(gctx, zmq.PULL, zmq.PUSH, "tcp")
    in_thread: List[Any] = []

    def thread_main() -> None:
        def echo() -> None:
            for _ in range(200):
                main_push.send(thread_pull.recv())

        in_thread.extend(run_all(echo))

    thread = threading.Thread(target=thread_main)
    thread.start()

    def feed() -> None:
        for i in range(200):
            thread_push.send(b"%d" % i)

    def collect() -> List[bytes]:
        return [main_pull.recv() for _ in range(200)]

    try:
        _, received = run_all(feed, collect)
    finally:
        thread.join(JOIN_S)
    assert not thread.is_alive() and in_thread == [None]
    assert received == [b"%d" % i for i in range(200)]


# -- many greenlets, many sockets -------------------------------------------------------------


def test_many_greenlets_send_and_receive_on_several_sockets(gctx: zmq.Context) -> None:
    """Four senders and three receivers per PUSH/PULL pair, three pairs (inproc, ipc, tcp)
    with small HWMs, plus a DEALER pair both ways at once: every message once, none lost."""
    per_sender = 300
    funcs: List[Callable[[], Any]] = []
    got: Dict[str, List[bytes]] = {}
    for transport in ("inproc", "ipc", "tcp"):
        pull, push = gpair(gctx, zmq.PULL, zmq.PUSH, transport, hwm=10)
        sink = got.setdefault(transport, [])
        total = 4 * per_sender
        remaining = [total]

        def sender(push: zmq.Socket = push, tag: str = transport, k: int = 0) -> None:
            for i in range(per_sender):
                push.send_multipart([tag.encode(), b"%d-%d" % (k, i)])

        def receiver(pull: zmq.Socket = pull, sink: List[bytes] = sink, left: List[int] = remaining) -> None:
            while left[0] > 0:
                left[0] -= 1
                tag, body = pull.recv_multipart()
                sink.append(body)

        funcs += [lambda k=k, s=sender: s(k=k) for k in range(4)]
        funcs += [receiver] * 3

    a, b = gpair(gctx, zmq.DEALER, zmq.DEALER, "tcp", hwm=10)
    both: Dict[str, List[bytes]] = {"a": [], "b": []}

    def dealer_send(sock: zmq.Socket) -> None:
        for i in range(1000):
            sock.send(b"%d" % i)

    def dealer_recv(sock: zmq.Socket, name: str) -> None:
        for _ in range(1000):
            both[name].append(sock.recv())

    funcs += [lambda: dealer_send(a), lambda: dealer_send(b), lambda: dealer_recv(a, "a"), lambda: dealer_recv(b, "b")]
    run_all(*funcs)
    expected = sorted(b"%d-%d" % (k, i) for k in range(4) for i in range(per_sender))
    for transport, sink in got.items():
        assert sorted(sink) == expected, transport
    assert both["a"] == both["b"] == [b"%d" % i for i in range(1000)]


def test_reading_events_elsewhere_does_not_lose_a_wakeup(gctx: zmq.Context) -> None:
    """Another greenlet reading ZMQ_EVENTS consumes ZMQ_FD's edge; the waiter still wakes."""
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH)
    pull.rcvtimeo = -1  # a lost wake-up then hangs recv until run_all's bound, and fails
    got = gevent.event.Event()

    def recv() -> bytes:
        received = pull.recv()
        got.set()
        return received

    def watch_events() -> int:
        # Reads EVENTS around the send, until the waiter has its message.
        reads = 0
        while not got.is_set():
            pull.get(zmq.EVENTS)
            reads += 1
            gevent.sleep(0)
        return reads

    def send() -> None:
        gevent.sleep(0)
        push.send(b"x")

    received, reads, _ = run_all(recv, watch_events, send)
    assert received == b"x" and reads >= 1


# -- timeouts, NOBLOCK, close --------------------------------------------------------------------


def test_rcvtimeo_raises_again_while_the_hub_runs(gctx: zmq.Context) -> None:
    pull, _push = gpair(gctx, zmq.PULL, zmq.PUSH)
    pull.rcvtimeo = 200
    counter = Counter()

    def recv() -> str:
        with pytest.raises(zmq.Again):
            pull.recv()
        return "timed out"

    try:
        assert run_all(recv) == ["timed out"]
    finally:
        counter.stop()
    assert counter.count > 0


def test_sndtimeo_raises_again_when_the_peer_does_not_read(gctx: zmq.Context) -> None:
    _pull, push = gpair(gctx, zmq.PULL, zmq.PUSH, "tcp", hwm=1)
    push.sndtimeo = 200

    def fill() -> int:
        sent = 0
        with pytest.raises(zmq.Again):
            while True:
                push.send(b"x" * 1000)
                sent += 1
        return sent

    assert run_all(fill)[0] >= 1


def test_noblock_fails_at_once_and_zero_timeout_too(gctx: zmq.Context) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH)
    with pytest.raises(zmq.Again):
        pull.recv(zmq.NOBLOCK)
    with pytest.raises(zmq.Again):
        pull.recv_multipart(zmq.DONTWAIT)
    pull.rcvtimeo = 0
    with pytest.raises(zmq.Again):
        pull.recv()
    push.send(b"now")
    pull.rcvtimeo = TIMEOUT_MS
    assert pull.poll(TIMEOUT_MS) == zmq.POLLIN
    assert pull.recv(zmq.NOBLOCK) == b"now"
    assert pull.poll(0) == 0


def test_recv_into_and_copy_false_wait_cooperatively(gctx: zmq.Context) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH)
    buf = bytearray(16)

    def recv_all() -> Tuple[int, bytes, List[bytes]]:
        n = pull.recv_into(buf)
        frame = pull.recv(copy=False)
        frames = pull.recv_multipart(copy=False)
        return n, frame.bytes, [f.bytes for f in frames]

    def send() -> None:
        push.send(b"into")
        push.send(b"frame", copy=False)
        push.send_multipart([b"a", b"b" * 70000], copy=False)

    (n, frame, frames), _ = run_all(recv_all, send)
    assert (n, bytes(buf[:n]), frame) == (4, b"into", b"frame")
    assert frames == [b"a", b"b" * 70000]


def test_closing_a_socket_wakes_its_waiter_with_an_error(gctx: zmq.Context) -> None:
    pull, _push = gpair(gctx, zmq.PULL, zmq.PUSH)
    waiting = gevent.event.Event()

    def recv() -> int:
        waiting.set()
        with pytest.raises(zmq.ZMQError) as info:
            pull.recv()
        return info.value.errno

    def close() -> None:
        assert waiting.wait(JOIN_S)
        gevent.sleep(0)  # let recv reach its wait
        pull.close()

    errno, _ = run_all(recv, close)
    assert errno == zmq.ENOTSOCK


def test_a_dropped_socket_does_not_hold_up_term() -> None:
    """A green socket that waited and was dropped unclosed is freed like a plain one (no
    reference cycle through its waiters), so Context.term() does not wait for it."""
    ctx = zmq.Context()

    def use_and_drop() -> None:
        pull = ctx.socket(zmq.PULL)
        pull.bind(endpoint("inproc"))
        pull.rcvtimeo = 10
        with pytest.raises(zmq.Again):
            pull.recv()

    use_and_drop()
    if sys.implementation.name == "pypy":
        # No refcounting; and PyPy's greenlets keep the frames that last switched into the
        # hub (recv's) until the next switch.
        gevent.sleep(0)
        gc.collect()
    term = threading.Thread(target=ctx.term, daemon=True)
    term.start()
    term.join(JOIN_S)
    assert not term.is_alive(), "Context.term() waits for the dropped socket"


def test_a_shadow_shares_the_socket_and_its_waiters(gctx: zmq.Context) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH)
    shadow = zmq.Socket(pull)
    assert shadow.underlying == pull.underlying
    by_address = zmq.Socket.shadow(pull.underlying)
    queued: List[str] = []

    def recv_on(sock: zmq.Socket, name: str) -> bytes:
        queued.append(name)
        return sock.recv()

    def send() -> None:
        # Once all three wait (one queue over the three objects, first come first served).
        while len(queued) < 3:
            gevent.sleep(0)
        push.send(b"one")
        push.send(b"two")
        push.send(b"three")

    received = run_all(lambda: recv_on(shadow, "shadow"), lambda: recv_on(pull, "pull"),
                       lambda: recv_on(by_address, "by_address"), send)
    assert received[:3] == [b"one", b"two", b"three"]
    # A plain zmq_cffi shadow in a green Poller is woken by green calls.
    plain = zmq_cffi.Socket.shadow(pull.underlying)
    poller = zmq.Poller()
    poller.register(plain, zmq.POLLIN)
    events, _ = run_all(lambda: dict(poller.poll(TIMEOUT_MS)), lambda: push.send(b"again"))
    assert events == {plain: zmq.POLLIN}
    assert by_address.recv() == b"again"
    # The shadows go on when the original object is gone.
    del pull, shadow
    gc.collect()
    received, _ = run_all(by_address.recv, lambda: push.send(b"still"))
    assert received == b"still"


# -- Poller, select, device -------------------------------------------------------------------


def test_poller_watches_sockets_and_plain_fds_together(gctx: zmq.Context) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH, "tcp")
    plain_pull, plain_push = gpair(gctx, zmq.PULL, zmq.PUSH)
    rfd, wfd = os.pipe()
    try:
        poller = zmq.Poller()
        poller.register(pull, zmq.POLLIN)
        poller.register(rfd, zmq.POLLIN)
        assert poller.poll(0) == []
        assert poller.poll(50) == []  # nothing ready: the timeout passes, an empty list

        def poll() -> Dict[Any, int]:
            return dict(poller.poll(TIMEOUT_MS))

        def write_fd() -> None:
            os.write(wfd, b"!")

        events, _ = run_all(poll, write_fd)
        assert events == {rfd: zmq.POLLIN}
        os.read(rfd, 1)

        events, _ = run_all(poll, lambda: push.send(b"z"))
        assert events == {pull: zmq.POLLIN}
        assert pull.recv() == b"z"

        # A plain zmq_cffi socket of a green context's peer works in a green Poller too.
        plain = zmq_cffi.Socket.shadow(plain_pull.underlying)
        poller.register(plain, zmq.POLLIN)
        events, _ = run_all(poll, lambda: plain_push.send(b"p"))
        assert events == {plain: zmq.POLLIN}
    finally:
        os.close(rfd)
        os.close(wfd)


def test_select_waits_cooperatively(gctx: zmq.Context) -> None:
    pull, push = gpair(gctx, zmq.PULL, zmq.PUSH)
    assert zmq.select([pull], [push], [], 0) == ([], [push], [])
    assert zmq.select([pull], [], [], 0.05) == ([], [], [])
    counter = Counter()

    def send_after_counting() -> None:
        assert counter.reached(200).wait(JOIN_S)
        push.send(b"s")

    try:
        (r, w, x), _ = run_all(lambda: zmq.select([pull], [], [], TIMEOUT_MS / 1000), send_after_counting)
    finally:
        counter.stop()
    assert (r, w, x) == ([pull], [], [])


def test_green_device_serves_req_clients_and_rep_workers(gctx: zmq.Context) -> None:
    frontend, backend = gctx.socket(zmq.ROUTER), gctx.socket(zmq.DEALER)
    for s in (frontend, backend):
        s.linger = 0
    front_port = frontend.bind_to_random_port("tcp://127.0.0.1")
    back_addr = endpoint("inproc")
    backend.bind(back_addr)
    device = gevent.spawn(zmq.device, zmq.QUEUE, frontend, backend)

    def worker(name: bytes) -> None:
        with gctx.socket(zmq.REP) as rep:
            rep.rcvtimeo = TIMEOUT_MS
            rep.connect(back_addr)
            while True:
                request = rep.recv()
                rep.send(request + b" by " + name if request != b"stop" else b"stopped")
                if request == b"stop":
                    return

    def client(k: int) -> List[bytes]:
        with gctx.socket(zmq.REQ) as req:
            req.linger = 0
            req.rcvtimeo = req.sndtimeo = TIMEOUT_MS
            req.connect(f"tcp://127.0.0.1:{front_port}")
            replies = []
            for i in range(20):
                req.send(b"%d.%d" % (k, i))
                replies.append(req.recv())
            return replies

    workers = [gevent.spawn(worker, b"w%d" % i) for i in range(3)]
    try:
        results = run_all(*[lambda k=k: client(k) for k in range(6)])
        for k, replies in enumerate(results):
            assert [r.split(b" by ")[0] for r in replies] == [b"%d.%d" % (k, i) for i in range(20)]
        # All three workers took a share, and each stops on its own "stop".
        served_by = {r.split(b" by ")[1] for replies in results for r in replies}
        assert served_by <= {b"w0", b"w1", b"w2"}
        with gctx.socket(zmq.REQ) as req:
            req.rcvtimeo = TIMEOUT_MS
            req.connect(f"tcp://127.0.0.1:{front_port}")
            for _ in workers:
                req.send(b"stop")
                assert req.recv() == b"stopped"
        assert len(gevent.joinall(workers, timeout=JOIN_S)) == 3
        assert all(w.successful() for w in workers)
    finally:
        device.kill()
    assert not device.successful() or device.dead


def test_green_proxy_copies_to_capture(gctx: zmq.Context) -> None:
    front_pull, producer = gpair(gctx, zmq.PULL, zmq.PUSH)
    back_push, consumer = gpair(gctx, zmq.PUSH, zmq.PULL)
    capture_out, capture_in = gpair(gctx, zmq.PUSH, zmq.PULL)
    proxy = gevent.spawn(zmq.proxy, front_pull, back_push, capture_out)
    try:

        def produce() -> None:
            for i in range(100):
                producer.send_multipart([b"m", b"%d" % i])

        def consume(sock: zmq.Socket) -> List[List[bytes]]:
            return [sock.recv_multipart() for _ in range(100)]

        _, consumed, captured = run_all(produce, lambda: consume(consumer), lambda: consume(capture_in))
    finally:
        proxy.kill()
    assert consumed == captured == [[b"m", b"%d" % i] for i in range(100)]


def test_device_ends_with_the_error_that_stops_it(gctx: zmq.Context) -> None:
    a, b = gpair(gctx, zmq.PAIR, zmq.PAIR)
    device = gevent.spawn(zmq.device, zmq.QUEUE, a, -1)
    gevent.sleep(0)
    a.close()
    device.join(JOIN_S)
    assert device.dead and isinstance(device.exception, zmq.ZMQError)


# -- a zerorpc-style RPC service -----------------------------------------------------------------


def test_zerorpc_style_rpc_serves_slow_and_fast_calls_concurrently(gctx: zmq.Context) -> None:
    """A ROUTER server runs each call in its own greenlet, as zerorpc does: a slow call
    (waiting for an event) does not hold up fast calls from other clients."""
    server = gctx.socket(zmq.ROUTER)
    server.linger = 0
    port = server.bind_to_random_port("tcp://127.0.0.1")
    release = gevent.event.Event()
    fast_done: Set[int] = set()

    def add(x: int, y: int) -> int:
        return x + y

    def slow(tag: str) -> str:
        assert release.wait(JOIN_S)
        return f"slow {tag} done after {len(fast_done)} fast calls"

    methods: Dict[str, Callable[..., Any]] = {"add": add, "slow": slow}

    def handle(envelope: List[bytes], request: Dict[str, Any]) -> None:
        try:
            reply = {"ok": methods[request["method"]](*request["args"])}
        except Exception as exc:  # the error goes back to the caller
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        server.send_multipart(envelope + [jsonapi.dumps(reply)])

    def serve() -> None:
        while True:
            *envelope, body = server.recv_multipart()
            gevent.spawn(handle, envelope, jsonapi.loads(body))

    def call(method: str, *args: Any) -> Any:
        with gctx.socket(zmq.REQ) as req:
            req.linger = 0
            req.rcvtimeo = req.sndtimeo = TIMEOUT_MS
            req.connect(f"tcp://127.0.0.1:{port}")
            req.send_json({"method": method, "args": list(args)})
            return req.recv_json()

    def fast_client(k: int) -> Any:
        reply = call("add", k, 1000)
        fast_done.add(k)
        if len(fast_done) == 10:
            release.set()
        return reply

    server_greenlet = gevent.spawn(serve)
    try:
        results = run_all(
            lambda: call("slow", "a"), lambda: call("slow", "b"), *[lambda k=k: fast_client(k) for k in range(10)],
            lambda: call("missing"),
        )
    finally:
        server_greenlet.kill()
        server.close()
    assert results[0] == {"ok": "slow a done after 10 fast calls"}
    assert results[1] == {"ok": "slow b done after 10 fast calls"}
    assert results[2:12] == [{"ok": k + 1000} for k in range(10)]
    assert results[12] == {"error": "KeyError: 'missing'"}


def test_locust_style_master_and_workers(gctx: zmq.Context) -> None:
    """Locust's distributed mode in small: a master ROUTER and worker DEALERs (each with its
    identity) in greenlets; workers announce themselves, get a spawn command, report stats
    and heartbeats while the master also serves them, then quit on command."""
    master = gctx.socket(zmq.ROUTER)
    master.linger = 0
    master.rcvtimeo = master.sndtimeo = TIMEOUT_MS
    port = master.bind_to_random_port("tcp://127.0.0.1")
    n_workers, reports = 5, 20

    def worker(name: str) -> str:
        with gctx.socket(zmq.DEALER) as dealer:
            dealer.linger = 0
            dealer.rcvtimeo = dealer.sndtimeo = TIMEOUT_MS
            dealer.identity = name.encode()
            dealer.connect(f"tcp://127.0.0.1:{port}")
            dealer.send_json({"type": "client_ready"})
            command = dealer.recv_json()
            assert command["type"] == "spawn"
            for i in range(command["data"]["reports"]):
                dealer.send_json({"type": "stats", "data": {"requests": i}})
                dealer.send_json({"type": "heartbeat"})
            assert dealer.recv_json() == {"type": "quit"}
            dealer.send_json({"type": "client_stopped"})
            return name

    def run_master() -> Dict[str, int]:
        ready: Set[bytes] = set()
        stats: Dict[str, int] = {}
        heartbeats = stopped = 0
        while stopped < n_workers:
            identity, body = master.recv_multipart()
            msg = jsonapi.loads(body)
            if msg["type"] == "client_ready":
                ready.add(identity)
                master.send_multipart([identity, b'{"type": "spawn", "data": {"reports": %d}}' % reports])
            elif msg["type"] == "stats":
                stats[identity.decode()] = msg["data"]["requests"]
            elif msg["type"] == "heartbeat":
                heartbeats += 1
                if heartbeats == n_workers * reports:
                    for each in ready:
                        master.send_multipart([each, b'{"type": "quit"}'])
            elif msg["type"] == "client_stopped":
                stopped += 1
        return stats

    names = [f"worker-{i}" for i in range(n_workers)]
    stats, *finished = run_all(run_master, *[lambda name=name: worker(name) for name in names])
    assert finished == names
    assert stats == {name: reports - 1 for name in names}


# -- pyzmq programs through the runner ---------------------------------------------------------

GREEN_PROGRAM = textwrap.dedent(
    """
    import gevent
    import zmq.green as zmq

    ctx = zmq.Context()
    pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
    for s in (pull, push):
        s.linger = 0
        s.rcvtimeo = s.sndtimeo = 10000
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push.connect("tcp://127.0.0.1:%d" % port)
    ticks = []

    def tick():
        while len(ticks) < 100:
            ticks.append(1)
            gevent.sleep(0)
        push.send_string("after %d ticks" % len(ticks))

    ticker = gevent.spawn(tick)
    print(pull.recv_string())
    ticker.join(10)
    print(type(ctx).__module__, type(pull).__module__, zmq.Poller.__module__)
    import zmq as plain
    print(plain.__name__, plain.green is zmq)
    ctx.destroy()
    """
)


def test_import_zmq_green_through_the_runner(tmp_path: Any) -> None:
    program = tmp_path / "green_prog.py"
    program.write_text(GREEN_PROGRAM)
    result = subprocess.run(
        [sys.executable, "-m", "zmq_cffi.run", str(program)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "after 100 ticks",
        "zmq_cffi.green zmq_cffi.green zmq_cffi.green",
        "zmq_cffi True",
    ]


def test_timeout_options_warn_as_in_pyzmq_and_still_work(gctx: zmq.Context) -> None:
    # pyzmq's zmq.green warns on every get/set of RCVTIMEO/SNDTIMEO; programs test for it.
    pull = gctx.socket(zmq.PULL)
    with pytest.warns(UserWarning, match="RCVTIMEO"):
        pull.rcvtimeo = 50
    with pytest.warns(UserWarning, match="SNDTIMEO"):
        pull.sndtimeo
    with pytest.raises(zmq.Again):
        pull.recv()  # honoured: the wait ends after 50 ms
    pull.close()
