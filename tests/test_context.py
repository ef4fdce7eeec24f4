"""Context: creation, options, socket defaults, shadows, the global instance, and ending it."""
from __future__ import annotations

import errno
import gc
import os
import re
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import weakref

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint

TIMEOUT_S = TIMEOUT_MS / 1000


def _timed(sock: zmq.Socket) -> zmq.Socket:
    sock.linger = 0
    sock.rcvtimeo = TIMEOUT_MS
    sock.sndtimeo = TIMEOUT_MS
    return sock


def _pair(ctx: zmq.Context, transport: str = "inproc"):
    a = _timed(ctx.socket(zmq.PAIR))
    b = _timed(ctx.socket(zmq.PAIR))
    a.bind(endpoint(transport))
    b.connect(a.get_string(zmq.LAST_ENDPOINT))
    return a, b


def _round_trip(a: zmq.Socket, b: zmq.Socket, payload: bytes = b"ping") -> None:
    a.send(payload)
    assert b.recv() == payload


def _run_bounded(fn, timeout: float = TIMEOUT_S) -> threading.Thread:
    """Run fn in a daemon thread and wait for it up to `timeout`; the caller checks is_alive()."""
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    t.join(timeout)
    return t


@pytest.fixture
def silent_peer():
    """A tcp endpoint that accepts connections but never speaks ZMTP: messages to it stay queued."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield "tcp://127.0.0.1:%d" % listener.getsockname()[1]


@pytest.fixture
def fresh_instance():
    """No global instance before the test, and none left behind after it."""
    zmq.Context.instance().destroy(linger=0)
    yield
    zmq.Context.instance().destroy(linger=0)


# -- creation ---------------------------------------------------------------------------------


def test_default_io_threads():
    with zmq.Context() as c:
        assert c.get(zmq.IO_THREADS) == 1
        assert not c.closed


def test_io_threads_argument():
    with zmq.Context(3) as c:
        assert c.get(zmq.IO_THREADS) == 3
        assert c.io_threads == 3
    with zmq.Context(io_threads=2) as c:
        assert c.io_threads == 2


def test_zero_io_threads_still_carries_inproc():
    with zmq.Context(0) as c:
        assert c.io_threads == 0
        _round_trip(*_pair(c))


def test_negative_io_threads_is_einval():
    with pytest.raises(zmq.ZMQError) as info:
        zmq.Context(-1)
    assert info.value.errno == zmq.EINVAL


@pytest.mark.parametrize("bad", ["2", None, b"1"])
def test_io_threads_must_be_int(bad):
    with pytest.raises(TypeError):
        zmq.Context(bad)


def test_underlying_is_an_address():
    with zmq.Context() as c:
        assert isinstance(c.underlying, int)
        assert c.underlying != 0


# -- options ----------------------------------------------------------------------------------


def test_get_and_set_options(ctx):
    ctx.set(zmq.MAX_SOCKETS, 100)
    assert ctx.get(zmq.MAX_SOCKETS) == 100
    ctx.set(zmq.IO_THREADS, 2)
    assert ctx.get(zmq.IO_THREADS) == 2
    assert ctx.get(zmq.SOCKET_LIMIT) >= 1023
    assert ctx.get(zmq.MSG_T_SIZE) == 64


def test_option_attributes(ctx):
    ctx.max_sockets = 50
    assert ctx.get(zmq.MAX_SOCKETS) == 50
    assert ctx.max_sockets == 50
    ctx.io_threads = 2
    assert ctx.get(zmq.IO_THREADS) == 2


def test_max_sockets_is_enforced(ctx):
    ctx.max_sockets = 2
    kept = [ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)]
    with pytest.raises(zmq.ZMQError) as info:
        ctx.socket(zmq.PAIR)
    assert info.value.errno == errno.EMFILE
    assert len(kept) == 2


def test_unknown_option_is_einval(ctx):
    with pytest.raises(zmq.ZMQError) as info:
        ctx.set(9999, 1)
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(zmq.ZMQError) as info:
        ctx.get(9999)
    assert info.value.errno == zmq.EINVAL


def test_option_value_must_be_int(ctx):
    with pytest.raises(TypeError):
        ctx.set(zmq.MAX_SOCKETS, "100")


def test_unknown_attribute_is_attribute_error(ctx):
    with pytest.raises(AttributeError):
        ctx.no_such_option
    with pytest.raises(AttributeError):
        ctx.no_such_option = 1


def test_options_after_term_raise_runtime_error():
    c = zmq.Context()
    c.term()
    with pytest.raises(RuntimeError):
        c.get(zmq.IO_THREADS)
    with pytest.raises(RuntimeError):
        c.set(zmq.IO_THREADS, 1)


# -- default socket options -------------------------------------------------------------------


def test_linger_attribute_is_a_default_for_new_sockets(ctx):
    ctx.linger = 0
    assert ctx.linger == 0
    assert ctx.getsockopt(zmq.LINGER) == 0
    s = ctx.socket(zmq.PUSH)
    assert s.linger == 0


def test_setsockopt_defaults(ctx):
    ctx.setsockopt(zmq.SNDHWM, 5)
    ctx.rcvhwm = 7
    assert ctx.getsockopt(zmq.SNDHWM) == 5
    assert ctx.getsockopt(zmq.RCVHWM) == 7
    s = ctx.socket(zmq.DEALER)
    assert (s.sndhwm, s.rcvhwm) == (5, 7)


def test_default_applies_only_to_later_sockets(ctx):
    before = ctx.socket(zmq.PUSH)
    ctx.linger = 0
    after = ctx.socket(zmq.PUSH)
    assert before.linger == -1
    assert after.linger == 0


def test_unset_default_is_missing(ctx):
    with pytest.raises(KeyError):
        ctx.getsockopt(zmq.SNDHWM)
    with pytest.raises(AttributeError):
        ctx.rcvtimeo


def test_deleting_a_default(ctx):
    ctx.linger = 0
    del ctx.linger
    with pytest.raises(AttributeError):
        ctx.linger
    assert ctx.socket(zmq.PUSH).linger == -1


def test_inapplicable_default_is_ignored(ctx):
    ctx.subscribe = b""
    ctx.linger = 0
    push = ctx.socket(zmq.PUSH)
    assert push.linger == 0


def test_subscribe_default_reaches_sub_sockets(ctx):
    ctx.subscribe = b""
    pub = _timed(ctx.socket(zmq.PUB))
    sub = _timed(ctx.socket(zmq.SUB))
    pub.bind(endpoint("tcp"))
    sub.connect(pub.last_endpoint)
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)
    # A SUB only receives once its subscription reached the PUB: publish until one arrives.
    for _ in range(TIMEOUT_MS // 100):
        pub.send(b"news")
        if poller.poll(100):
            break
    assert sub.recv() == b"news"


# -- sockets ----------------------------------------------------------------------------------


def test_socket_is_of_the_context(ctx):
    s = ctx.socket(zmq.REQ)
    assert isinstance(s, zmq.Socket)
    assert s.context is ctx
    assert s.get(zmq.TYPE) == zmq.REQ


def test_socket_class(ctx):
    class Tagged(zmq.Socket):
        pass

    s = ctx.socket(zmq.PAIR, socket_class=Tagged)
    assert type(s) is Tagged
    assert s.context is ctx


def test_socket_kwargs_reach_the_class(ctx):
    s = ctx.socket(zmq.PAIR, copy_threshold=7)
    assert s.copy_threshold == 7


def test_socket_after_term_raises():
    c = zmq.Context()
    c.term()
    with pytest.raises(zmq.ZMQError) as info:
        c.socket(zmq.PAIR)
    assert info.value.errno == zmq.ENOTSUP


def test_unknown_socket_type_is_einval(ctx):
    with pytest.raises(zmq.ZMQError) as info:
        ctx.socket(999)
    assert info.value.errno == zmq.EINVAL


# -- ending -----------------------------------------------------------------------------------


def test_term_without_sockets():
    c = zmq.Context()
    c.term()
    assert c.closed
    c.term()
    assert c.closed


def test_term_after_sockets_closed():
    c = zmq.Context()
    a, b = _pair(c)
    _round_trip(a, b)
    a.close()
    b.close()
    assert not _run_bounded(c.term).is_alive()
    assert c.closed


def test_destroy_closes_sockets(silent_peer):
    c = zmq.Context()
    a, b = _pair(c)
    stuck = c.socket(zmq.PUSH)
    stuck.connect(silent_peer)
    stuck.send(b"never delivered")
    assert stuck.linger == -1

    assert not _run_bounded(lambda: c.destroy(linger=0)).is_alive()
    assert c.closed
    assert a.closed and b.closed and stuck.closed


def test_destroy_is_idempotent():
    c = zmq.Context()
    c.socket(zmq.PAIR)
    c.destroy()
    c.destroy()
    assert c.closed


def test_closed_socket_is_not_destroyed_twice():
    c = zmq.Context()
    s = c.socket(zmq.PAIR)
    s.close()
    c.destroy()
    assert s.closed and c.closed


def test_context_manager_destroys():
    with zmq.Context() as c:
        a, b = _pair(c)
        _round_trip(a, b)
    assert c.closed
    assert a.closed and b.closed


def test_context_manager_destroys_on_error():
    with pytest.raises(KeyError):
        with zmq.Context() as c:
            s = c.socket(zmq.PAIR)
            raise KeyError("boom")
    assert c.closed and s.closed


def test_term_interrupts_a_blocked_recv(ctx):
    ready = threading.Event()
    interrupted = threading.Event()
    may_close = threading.Event()
    seen = []

    def worker():
        s = ctx.socket(zmq.PULL)
        s.rcvtimeo = TIMEOUT_MS
        s.bind(endpoint("inproc"))
        ready.set()
        try:
            s.recv()
        except zmq.ZMQError as e:
            seen.append(e)
        interrupted.set()
        may_close.wait(TIMEOUT_S)
        s.close()

    w = threading.Thread(target=worker, daemon=True)
    w.start()
    assert ready.wait(TIMEOUT_S)

    term_done = threading.Event()

    def terminate():
        ctx.term()
        term_done.set()

    t = threading.Thread(target=terminate, daemon=True)
    t.start()
    assert interrupted.wait(TIMEOUT_S)
    assert len(seen) == 1 and isinstance(seen[0], zmq.ContextTerminated)
    assert seen[0].errno == zmq.ETERM
    assert not term_done.is_set()

    may_close.set()
    t.join(TIMEOUT_S)
    w.join(TIMEOUT_S)
    assert term_done.is_set()
    assert ctx.closed


def test_calls_after_term_started_raise_context_terminated(ctx):
    a, b = _pair(ctx)
    t = threading.Thread(target=ctx.term, daemon=True)
    t.start()
    with pytest.raises(zmq.ContextTerminated):
        # ETERM comes as soon as term has begun; until then this waits for it.
        b.recv()
    a.close()
    b.close()
    t.join(TIMEOUT_S)
    assert not t.is_alive()
    assert ctx.closed


# -- repr -------------------------------------------------------------------------------------


def test_repr():
    c = zmq.Context()
    assert re.fullmatch(r"<zmq_cffi\.Context\(\) at 0x[0-9a-f]+>", repr(c))
    c.term()
    assert re.fullmatch(r"<zmq_cffi\.Context\(\) at 0x[0-9a-f]+ closed>", repr(c))


def test_repr_counts_sockets():
    with zmq.Context() as c:
        one, two = c.socket(zmq.PAIR), c.socket(zmq.PAIR)
        assert re.fullmatch(r"<zmq_cffi\.Context\(2 sockets\) at 0x[0-9a-f]+>", repr(c))
        two.close()
        assert re.fullmatch(r"<zmq_cffi\.Context\(1 socket\) at 0x[0-9a-f]+>", repr(c))


def test_repr_of_subclass():
    class Mine(zmq.Context):
        pass

    with Mine() as c:
        assert re.fullmatch(rf"<{__name__}\.Mine\(\) at 0x[0-9a-f]+>", repr(c))


# -- shadows ----------------------------------------------------------------------------------


def test_shadow_by_context(ctx):
    sh = zmq.Context(ctx)
    assert sh is not ctx
    assert sh.underlying == ctx.underlying


@pytest.mark.parametrize("how", ["positional", "keyword_ctx", "keyword_int", "classmethod_ctx", "classmethod_int"])
def test_shadow_shares_inproc_endpoints(ctx, how):
    sh = {
        "positional": lambda: zmq.Context(ctx),
        "keyword_ctx": lambda: zmq.Context(shadow=ctx),
        "keyword_int": lambda: zmq.Context(shadow=ctx.underlying),
        "classmethod_ctx": lambda: zmq.Context.shadow(ctx),
        "classmethod_int": lambda: zmq.Context.shadow(ctx.underlying),
    }[how]()
    assert sh.underlying == ctx.underlying
    bound = _timed(ctx.socket(zmq.PAIR))
    bound.bind(endpoint("inproc"))
    peer = _timed(sh.socket(zmq.PAIR))
    assert peer.context is sh
    peer.connect(bound.last_endpoint)
    _round_trip(peer, bound, b"through the shadow")
    peer.close()


def test_a_shadow_never_calls_into_its_owners_context_once_term_has_begun():
    """While the owner's term() waits (a socket is still open) a shadow made from the address
    answers ContextTerminated; once term() has ended, EFAULT, libzmq's answer for a context
    that is gone (pyzmq's test_shadow expects it), instead of calling into freed memory."""
    owner = zmq.Context()
    sh = zmq.Context.shadow(owner.underlying)
    sh.set(zmq.MAX_SOCKETS, 100)  # usable before term()
    assert sh.get(zmq.MAX_SOCKETS) == 100
    sock = owner.socket(zmq.PULL)
    sock.linger = 0
    sock.rcvtimeo = TIMEOUT_MS
    ender = threading.Thread(target=owner.term, daemon=True)
    ender.start()
    with pytest.raises(zmq.ContextTerminated):
        sock.recv()  # returns once term() is under way
    for call in (lambda: sh.get(zmq.MAX_SOCKETS), lambda: sh.set(zmq.MAX_SOCKETS, 64),
                 lambda: sh.socket(zmq.PAIR)):
        with pytest.raises(zmq.ContextTerminated):
            call()
    sock.close()
    ender.join(TIMEOUT_S)
    assert not ender.is_alive() and owner.closed
    for call in (lambda: sh.get(zmq.MAX_SOCKETS), lambda: sh.set(zmq.MAX_SOCKETS, 64),
                 lambda: sh.socket(zmq.PAIR)):
        with pytest.raises(zmq.ZMQError) as info:
            call()
        assert info.value.errno == zmq.EFAULT


def test_dropping_a_shadow_leaves_the_context_working(ctx):
    sh = zmq.Context.shadow(ctx.underlying)
    ref = weakref.ref(sh)
    del sh
    for _ in range(3):
        gc.collect()
    assert ref() is None
    assert not ctx.closed
    _round_trip(*_pair(ctx))


# -- the global instance ----------------------------------------------------------------------


def test_instance_is_shared(fresh_instance):
    a = zmq.Context.instance()
    b = zmq.Context.instance()
    assert a is b
    assert isinstance(a, zmq.Context)
    assert not a.closed


def test_instance_is_renewed_after_term(fresh_instance):
    first = zmq.Context.instance()
    first.term()
    second = zmq.Context.instance()
    assert second is not first
    assert not second.closed
    _round_trip(*_pair(second))


def test_instance_io_threads(fresh_instance):
    inst = zmq.Context.instance(io_threads=2)
    assert inst.io_threads == 2


def test_instance_from_many_threads(fresh_instance):
    n = 8
    barrier = threading.Barrier(n)
    got = []
    lock = threading.Lock()

    def grab():
        barrier.wait(TIMEOUT_S)
        inst = zmq.Context.instance()
        with lock:
            got.append(inst)

    threads = [threading.Thread(target=grab, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S)
    assert len(got) == n
    assert all(inst is got[0] for inst in got)


def _child(parent: zmq.Context, parent_pair, w: int) -> None:
    """In the forked child: report over `w`, never return into pytest."""
    code = 1
    try:
        child = zmq.Context.instance()
        fresh = child is not parent and not child.closed
        x, y = _pair(child)
        _round_trip(x, y, b"child")
        x.close()
        y.close()
        child.term()
        # The parent's context and sockets, as the child sees them, must be left alone.
        for s in parent_pair:
            s.close()
        parent.term()
        del parent, parent_pair, s
        for _ in range(3):
            gc.collect()
        os.write(w, b"ok" if fresh else b"not fresh")
        code = 0
    except BaseException as e:  # noqa: BLE001 - anything goes back to the parent
        try:
            os.write(w, repr(e).encode()[:500])
        except OSError:
            pass
    finally:
        os._exit(code)


def _read_until_eof(r: int, pid: int) -> bytes:
    data = b""
    while True:
        ready, _, _ = select.select([r], [], [], TIMEOUT_S)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"forked child did not finish in {TIMEOUT_S} s; got {data!r}")
        chunk = os.read(r, 1024)
        if not chunk:
            return data
        data += chunk


def test_fork_gives_the_child_its_own_instance(fresh_instance):
    parent = zmq.Context.instance()
    a, b = _pair(parent)
    _round_trip(a, b, b"before")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(parent, (a, b), w)
    os.close(w)
    try:
        report = _read_until_eof(r, pid)
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    assert report == b"ok"
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0

    assert zmq.Context.instance() is parent
    assert not parent.closed
    _round_trip(a, b, b"after")
    _round_trip(*_pair(parent, "tcp"))


# -- garbage collection -----------------------------------------------------------------------


def _abandon_context(peer):
    c = zmq.Context()
    a, b = _pair(c)
    _round_trip(a, b)
    if peer is not None:
        # A message that can never be delivered, with the default LINGER of forever.
        stuck = c.socket(zmq.PUSH)
        stuck.connect(peer)
        stuck.send(b"stuck")
    return weakref.ref(c), weakref.ref(a)


@pytest.mark.parametrize("pending", [False, True], ids=["idle", "pending-message"])
def test_collecting_a_context_with_open_sockets(pending, silent_peer):
    refs = []

    def drop_and_collect():
        refs.extend(_abandon_context(silent_peer if pending else None))
        for _ in range(3):
            gc.collect()

    assert not _run_bounded(drop_and_collect).is_alive()
    assert [ref() for ref in refs] == [None, None]
    with zmq.Context() as c:
        _round_trip(*_pair(c, "tcp"))


DROP_THEN_DESTROY = """
import zmq_cffi as zmq

def use(ctx):
    s = ctx.socket(zmq.PAIR)
    s.linger = 0

for _ in range(200):
    ctx = zmq.Context()
    use(ctx)
    garbage = [object() for _ in range(3000)]
    ctx.destroy(linger=0)
print("ok")
"""


def test_destroy_after_sockets_were_dropped():
    # A socket nobody references any more, that the GC has not finalized yet, is still
    # open in libzmq: destroy() must close it rather than wait for it forever.
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(DROP_THEN_DESTROY)],
            capture_output=True, timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("destroy(linger=0) hung on a dropped, not yet finalized socket")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.strip() == b"ok"


def test_io_threads_beyond_c_int_is_einval_and_leaks_no_fd():
    import os

    before = len(os.listdir("/proc/self/fd"))
    for value in (2**31, 2**40, -(2**40)):
        with pytest.raises(zmq.ZMQError) as info:
            zmq.Context(io_threads=value)
        assert info.value.errno == zmq.EINVAL
    assert len(os.listdir("/proc/self/fd")) == before


def test_socket_whose_default_option_fails_is_closed_not_leaked():
    context = zmq.Context()
    context.setsockopt(zmq.LINGER, "not an int")
    with pytest.raises(TypeError) as info:
        context.socket(zmq.PUSH)
    del context.sockopts[zmq.LINGER]
    ender = threading.Thread(target=context.term, daemon=True)
    ender.start()
    ender.join(10)
    assert not ender.is_alive(), "term() waited for the socket whose creation raised"
    assert info.value is not None  # the traceback, holding the half-made socket, still lives


def test_context_is_generic_in_its_socket_class_like_pyzmq():
    # pyzmq programs may write zmq.Context[zmq.Socket] in code that runs, not only in
    # annotations; the asyncio Context is the one of asyncio sockets.
    import zmq_cffi.asyncio as zaio

    assert zmq.Context[zmq.Socket].__origin__ is zmq.Context
    assert issubclass(zaio.Context, zmq.Context)
    with zaio.Context() as actx:
        sock = actx.socket(zmq.PAIR)
        assert isinstance(sock, zaio.Socket)
        sock.close()


# -- pyzmq behaviours that programs rely on (issue 13) ----------------------------------------


def test_dir_lists_context_option_names():
    ctx = zmq.Context()
    names = dir(ctx)
    assert "socket" in names and "IO_THREADS" in names and "MAX_SOCKETS" in names
    assert ctx.IO_THREADS == ctx.io_threads == 1
    ctx.term()


def test_mock_with_a_context_as_spec():
    from unittest import mock

    ctx = zmq.Context()
    m = mock.Mock(spec=ctx)
    m.socket(zmq.PUSH)
    m.socket.assert_called_once_with(zmq.PUSH)
    for name in dir(ctx):
        try:
            getattr(ctx, name)
        except AttributeError:
            pass
    ctx.term()


class Annotated(zmq.Context):
    extra_arg: str

    def __init__(self, extra_arg: str = "x") -> None:
        super().__init__()
        self.extra_arg = extra_arg


def test_subclass_declares_its_own_attributes():
    ctx = Annotated("s")
    assert ctx.extra_arg == "s"
    ctx.linger = 0  # still a default socket option
    s = ctx.socket(zmq.PUSH)
    assert s.linger == 0
    s.close()
    with pytest.raises(AttributeError, match="no such option"):
        ctx.undeclared_thing = 1
    ctx.term()


def test_leaving_the_with_block_warns_for_each_open_socket():
    with pytest.warns(ResourceWarning, match="unclosed socket") as record:
        with zmq.Context() as ctx:
            left_open = ctx.socket(zmq.PUSH)
            closed = ctx.socket(zmq.PULL)
            closed.close()
    assert len([w for w in record if issubclass(w.category, ResourceWarning)]) == 1
    assert left_open.closed and ctx.closed


def test_explicit_destroy_does_not_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        ctx = zmq.Context()
        ctx.socket(zmq.PUSH)
        ctx.destroy(linger=0)


def test_unterminated_context_warns_when_collected():
    ctx = zmq.Context()
    with pytest.warns(ResourceWarning, match="Unclosed context"):
        del ctx
        for _ in range(3):
            gc.collect()


def test_shadow_context_does_not_warn():
    import warnings

    owner = zmq.Context()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        shadow = zmq.Context.shadow(owner.underlying)
        del shadow
        gc.collect()
    owner.term()


_CONCURRENT_TERMS = """
import threading, zmq_cffi as zmq
for _ in range(50):
    ctx = zmq.Context()
    s = ctx.socket(zmq.PULL)
    terms = [threading.Thread(target=ctx.term, daemon=True) for _ in range(3)]
    for t in terms:
        t.start()
    s.close()  # lets whichever term() is in libzmq finish
    for t in terms:
        t.join(30)
    assert not any(t.is_alive() for t in terms), "a term() never returned"
    assert ctx.closed
print("survived")
"""


def test_concurrent_terms_of_one_context_all_return():
    # Two zmq_ctx_term calls on one context at once: the second waits on the context's mailbox
    # after the first freed it, and libzmq hangs or aborts (signaler.cpp:265; found by the
    # fuzzer). zmq_cffi lets one term at a time into libzmq. In a child: a crash must not take
    # pytest down.
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _CONCURRENT_TERMS], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "survived" in proc.stdout, (proc.returncode, proc.stderr[-2000:])


def test_one_release_path_term_twice_and_shadows():
    """term() releases the context once; a second term() does nothing. A shadow's term() only
    forgets the handle: the owner keeps working and releases it itself."""
    owner = zmq.Context()
    shadow = zmq.Context.shadow(owner.underlying)
    shadow.term()
    assert shadow.closed and not owner.closed
    a, b = owner.socket(zmq.PAIR), owner.socket(zmq.PAIR)
    a.linger = b.linger = 0
    addr = f"inproc://release-{id(owner)}"
    a.bind(addr)
    b.connect(addr)
    a.send(b"still owned")
    assert b.poll(TIMEOUT_MS) == zmq.POLLIN and b.recv() == b"still owned"
    a.close()
    b.close()
    owner.term()
    assert owner.closed
    owner.term()
    with pytest.raises(zmq.ZMQError):
        owner.socket(zmq.PAIR)
