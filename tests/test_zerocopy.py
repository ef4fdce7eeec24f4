"""Zero-copy sends and receives: the lent object lives exactly as long as libzmq needs it."""
from __future__ import annotations

import array
import gc
import mmap
import platform
import sys
import weakref

import pytest

import zmq_cffi as zmq
from zmq_cffi.backend import zerocopy

BIG = 200_000


if platform.python_implementation() == "PyPy":

    class Lendable(bytes):
        """Bytes that can be weakly referenced, to see when they are freed (PyPy lends no
        bytearray: see test_resizing_a_buffer_after_sending_it_without_copy)."""

else:

    class Lendable(bytearray):
        """A bytearray that can be weakly referenced (CPython refuses that for bytes)."""


def collect() -> None:
    for _ in range(3):
        gc.collect()


def test_lent_buffer_is_kept_until_sent_then_released(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "tcp")
    buf = Lendable(b"q" * BIG)
    ref = weakref.ref(buf)
    tracker = push.send(buf, copy=False, track=True)
    del buf
    collect()
    assert pull.recv() == b"q" * BIG
    tracker.wait(10)
    assert tracker.done
    collect()
    assert ref() is None


def test_reference_count_returns_to_what_it_was(make_pair):
    # CPython counts references; PyPy has no refcount, so there the registry of lent
    # buffers is what holds the reference.
    refcount = getattr(sys, "getrefcount", None) or (lambda _obj: zerocopy.outstanding())
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    buf = b"r" * BIG
    before = refcount(buf)
    tracker = push.send(buf, copy=False, track=True)
    assert refcount(buf) > before
    pull.recv()
    tracker.wait(10)
    assert refcount(buf) == before


@pytest.mark.parametrize(
    "make",
    [
        lambda: b"b" * BIG,
        lambda: bytearray(b"b" * BIG),
        lambda: memoryview(b"b" * BIG),
        lambda: array.array("B", b"b" * BIG),
    ],
    ids=["bytes", "bytearray", "memoryview", "array"],
)
def test_buffer_types_arrive_intact_without_copy(make_pair, make):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "ipc")
    data = make()
    tracker = push.send(data, copy=False, track=True)
    frame = pull.recv(copy=False)
    assert frame.bytes == bytes(memoryview(data))
    tracker.wait(10)


def test_mmap_is_lent_and_released(make_pair, tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"m" * BIG)
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    with open(path, "r+b") as f:
        region = mmap.mmap(f.fileno(), 0)
        tracker = push.send(region, copy=False, track=True)
        assert pull.recv() == b"m" * BIG
        tracker.wait(10)
        del tracker
        collect()
        region.close()  # fails with BufferError if a lent export were still alive


def _resizable(kind):
    payload = b"p" * BIG
    if kind == "bytearray":
        buf = bytearray(payload)
        return buf, buf.clear
    if kind == "memoryview of bytearray":
        buf = bytearray(payload)
        return memoryview(buf)[100:], lambda: buf.extend(b"x" * 10 * BIG)
    if kind == "array":
        buf = array.array("B", payload)
        return buf, lambda: buf.extend(b"x" * 10 * BIG)
    region = mmap.mmap(-1, BIG)
    region.write(payload)
    return region, region.close


@pytest.mark.parametrize("kind", ["bytearray", "memoryview of bytearray", "array", "mmap"])
@pytest.mark.parametrize("how", ["send", "Frame"])
def test_resizing_a_buffer_after_sending_it_without_copy(make_pair, kind, how):
    # CPython refuses to resize (or close) a buffer while it is lent (BufferError). PyPy
    # allows it and frees or unmaps the memory, which libzmq would then read: there zmq_cffi
    # copies such buffers instead of lending them. Either way the message arrives intact.
    # (Found by tests/reliability's fuzzer under AddressSanitizer, on PyPy.)
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    data, resize = _resizable(kind)
    expected = bytes(memoryview(data))
    if how == "send":
        tracker = push.send(data, copy=False, track=True)
    else:
        frame = zmq.Frame(data, copy=False, track=True)
        tracker = frame.tracker
    try:
        resize()
    except BufferError:
        assert platform.python_implementation() == "CPython"
        assert not tracker.done
    else:
        assert platform.python_implementation() == "PyPy"
        assert tracker.done  # it was copied: nothing is lent
    if how == "Frame":
        assert frame.bytes == expected
        push.send(frame)
    assert pull.recv() == expected
    if how == "Frame":
        del frame
        collect()
    tracker.wait(10)
    assert tracker.done


def test_small_buffers_are_copied_even_with_copy_false(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    assert push.copy_threshold == zmq.COPY_THRESHOLD == 65536
    small = Lendable(b"s" * 100)
    ref = weakref.ref(small)
    tracker = push.send(small, copy=False, track=True)
    assert tracker.done
    del small
    collect()
    assert ref() is None
    assert pull.recv() == b"s" * 100


def test_copy_threshold_per_socket_and_per_frame(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.copy_threshold = 10
    tracker = push.send(bytearray(100), copy=False, track=True)
    pull.recv()
    tracker.wait(10)
    assert zerocopy.outstanding() == 0
    frame = zmq.Frame(b"f" * 100, track=True, copy_threshold=10)
    assert not frame.tracker.done  # lent: libzmq holds the buffer while the Frame lives
    push.send(frame)
    pull.recv()
    del frame
    collect()
    assert zerocopy.outstanding() == 0


def test_global_copy_threshold_applies_to_new_sockets(ctx, monkeypatch):
    monkeypatch.setattr(zmq, "COPY_THRESHOLD", 1234)
    assert ctx.socket(zmq.PUSH).copy_threshold == 1234
    assert ctx.socket(zmq.PUSH, copy_threshold=5).copy_threshold == 5


def test_tracker_waits_for_every_socket_a_frame_was_sent_on(ctx, make_pair):
    pull1, push1 = make_pair(zmq.PULL, zmq.PUSH)
    pull2, push2 = make_pair(zmq.PULL, zmq.PUSH)
    frame = zmq.Frame(b"f" * BIG, track=True)
    push1.send(frame, copy=False)
    push2.send(frame, copy=False)
    tracker = frame.tracker
    del frame
    collect()
    assert pull1.recv() == b"f" * BIG
    with pytest.raises(zmq.NotDone):
        tracker.wait(0.05)
    assert pull2.recv() == b"f" * BIG
    tracker.wait(10)
    assert tracker.done


def test_received_frame_memory_outlives_the_frame(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "tcp")
    push.send(b"r" * BIG)
    frame = pull.recv(copy=False)
    view = frame.buffer
    whole = memoryview(frame)
    del frame
    collect()
    push.send(b"x" * BIG)  # more traffic through the same socket
    pull.recv()
    assert bytes(view[:3]) == b"rrr" and len(view) == BIG
    assert bytes(whole[-3:]) == b"rrr"


def test_recv_multipart_without_copy_gives_frames_over_libzmq_memory(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.send_multipart([b"head", b"b" * BIG])
    head, body = pull.recv_multipart(copy=False)
    assert isinstance(head, zmq.Frame) and head.more
    assert not body.more and len(body) == BIG
    assert bytes(memoryview(body)[:1]) == b"b"


def test_recv_into_truncates_and_reports_full_size(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.send(b"0123456789")
    buf = bytearray(4)
    assert pull.recv_into(buf) == 10
    assert buf == b"0123"
    push.send(b"abcdef")
    target = bytearray(10)
    assert pull.recv_into(memoryview(target)[2:], nbytes=3) == 6
    assert target == b"\0\0abc\0\0\0\0\0"


def test_recv_into_rejects_what_it_cannot_write(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    # pyzmq's errors: BufferError for a buffer that is read-only or not contiguous.
    with pytest.raises(BufferError):
        pull.recv_into(b"read only")
    with pytest.raises(BufferError):
        pull.recv_into(memoryview(b"read only"))
    with pytest.raises(BufferError):
        pull.recv_into(memoryview(bytearray(10))[::2])
    with pytest.raises(TypeError):
        pull.recv_into("not a buffer")
    with pytest.raises(ValueError):
        pull.recv_into(bytearray(4), nbytes=5)
    with pytest.raises(ValueError):
        pull.recv_into(bytearray(4), nbytes=-1)
