"""Frame (alias Message): contents, copying, views, properties and trackers."""
from __future__ import annotations

import ctypes
import gc

import pytest

import zmq_cffi as zmq

BIG = bytes(range(256)) * 400




def test_message_is_frame():
    assert zmq.Message is zmq.Frame


def test_empty_frame():
    frame = zmq.Frame()
    assert len(frame) == 0
    assert frame.bytes == b""
    assert not frame.more


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview], ids=lambda k: k.__name__)
@pytest.mark.parametrize("data", [b"short", BIG], ids=["short", "big"])
def test_frame_from_buffer(kind, data):
    frame = zmq.Frame(kind(data))
    assert len(frame) == len(data)
    assert frame.bytes == data
    assert bytes(frame) == data
    assert frame.buffer.tobytes() == data


@pytest.mark.parametrize("bad", ["text", 42, 3.5], ids=["str", "int", "float"])
def test_frame_rejects_non_buffers(bad):
    with pytest.raises(TypeError):
        zmq.Frame(bad)


def test_copy_false_shares_memory():
    # A buffer of fixed size: a bytearray is copied on PyPy (see test_zerocopy.py).
    data = ctypes.create_string_buffer(b"original", 8)
    frame = zmq.Frame(data, copy=False)
    data[0:1] = b"O"
    assert frame.buffer.tobytes() == b"Original"


def test_copy_true_takes_a_snapshot():
    data = bytearray(b"original")
    frame = zmq.Frame(data, copy=True)
    data[0:1] = b"O"
    assert frame.bytes == b"original"


@pytest.mark.parametrize("threshold, shared", [(10, True), (1000, False)])
def test_copy_threshold(threshold, shared):
    data = ctypes.create_string_buffer(100)
    frame = zmq.Frame(data, copy_threshold=threshold)
    data[0] = 1
    assert (frame.buffer[0] == 1) is shared


def test_socket_copy_threshold_default(ctx):
    s = ctx.socket(zmq.PUSH)
    assert s.copy_threshold == zmq.COPY_THRESHOLD == 65536
    s.copy_threshold = 10
    assert s.copy_threshold == 10


def test_bytes_is_cached(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.send(BIG)
    frame = pull.recv(copy=False)
    first = frame.bytes
    assert first == BIG
    assert frame.bytes is first


def test_buffer_is_a_memoryview(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.send(b"viewed")
    frame = pull.recv(copy=False)
    view = frame.buffer
    assert isinstance(view, memoryview)
    assert len(view) == 6
    assert memoryview(frame.buffer).tobytes() == b"viewed"
    assert bytes(view[1:3]) == b"ie"


@pytest.mark.parametrize("payload", [b"tiny", BIG], ids=["tiny", "big"])
def test_buffer_outlives_frame(make_pair, payload):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.send(payload)
    frame = pull.recv(copy=False)
    view = frame.buffer
    del frame
    gc.collect()
    gc.collect()
    push.send(b"\xff" * len(payload))
    assert pull.recv() == b"\xff" * len(payload)
    assert view.tobytes() == payload


def test_buffer_of_sent_frame_outlives_it():
    data = bytearray(BIG)
    frame = zmq.Frame(data, copy=False)
    view = frame.buffer
    del frame, data
    gc.collect()
    assert view.tobytes() == BIG


def test_len_and_bytes():
    frame = zmq.Frame(b"12345")
    assert len(frame) == 5
    assert bytes(frame) == b"12345"


def test_equality_with_bytes():
    frame = zmq.Frame(b"same")
    assert frame == b"same"
    assert frame != b"other"
    assert frame == zmq.Frame(b"same")


def test_more_on_multipart(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.send_multipart([b"first", b"middle", b"last"])
    frames = [pull.recv(copy=False) for _ in range(3)]
    assert [f.more for f in frames] == [True, True, False]
    assert [f.get(zmq.MORE) for f in frames] == [1, 1, 0]


def test_peer_address_over_tcp(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "tcp")
    push.send(b"where from?")
    frame = pull.recv(copy=False)
    assert frame["Peer-Address"] == "127.0.0.1"
    assert frame.get("Peer-Address") == "127.0.0.1"
    assert frame["Socket-Type"] == "PUSH"


def test_missing_metadata(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "tcp")
    push.send(b"anonymous")
    frame = pull.recv(copy=False)
    with pytest.raises(zmq.ZMQError) as exc:
        frame["User-Id"]
    assert exc.value.errno == zmq.EINVAL
    with pytest.raises(zmq.ZMQError):
        frame.get("No-Such-Property")


def test_metadata_of_local_frame_missing():
    with pytest.raises(zmq.ZMQError):
        zmq.Frame(b"local")["Peer-Address"]


@pytest.mark.parametrize("attribute", ["routing_id", "group"])
def test_draft_properties(attribute):
    frame = zmq.Frame(b"x")
    with pytest.raises(RuntimeError, match="(?i)draft"):
        getattr(frame, attribute)
    with pytest.raises(RuntimeError, match="(?i)draft"):
        setattr(frame, attribute, 1 if attribute == "routing_id" else "g")


def test_repr_short():
    assert repr(zmq.Frame(b"hello")) == "<zmq_cffi.Frame(b'hello')>"
    assert repr(zmq.Frame()) == "<zmq_cffi.Frame(b'')>"
    assert repr(zmq.Frame(b"a" * 16)) == "<zmq_cffi.Frame(b'aaaaaaaaaaaaaaaa')>"


@pytest.mark.parametrize(
    "size, shown",
    [(17, "17B"), (100, "100B"), (1000, "1kB"), (26_000, "26kB"), (10 * 2**20, "10MB")],
)
def test_repr_long_is_truncated_with_size(size, shown):
    frame = zmq.Frame(b"a" * size)
    assert repr(frame) == f"<zmq_cffi.Frame(b'aaaaaaaaaaaa'...{shown})>"


@pytest.mark.parametrize("copy", [True, False], ids=["copy", "nocopy"])
def test_send_same_frame_twice(make_pair, copy):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    frame = zmq.Frame(BIG)
    push.send(frame, copy=copy)
    push.send(frame, copy=copy)
    assert pull.recv() == BIG
    assert pull.recv() == BIG
    assert frame.bytes == BIG


def test_frame_tracker(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    frame = zmq.Frame(BIG, track=True)
    tracker = frame.tracker
    assert isinstance(tracker, zmq.MessageTracker)
    assert push.send(frame, copy=False, track=True) is tracker
    assert pull.recv() == BIG
    assert not tracker.done
    del frame
    gc.collect()
    tracker.wait(10)
    assert tracker.done


def test_untracked_frame():
    assert zmq.Frame(b"x").tracker is None


def test_track_untracked_frame(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    with pytest.raises(ValueError):
        push.send(zmq.Frame(BIG), copy=False, track=True)


def test_empty_lent_buffer_gives_empty_bytes():
    import array

    frame = zmq.Frame(array.array("i", []), copy=False)
    assert frame.bytes == b"" and len(frame) == 0 and frame == b""
    assert "Frame(b'')" in repr(frame)
