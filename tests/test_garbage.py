"""zmq_cffi.utils.garbage: pyzmq's view of what is held for libzmq, without pyzmq's thread.

`gc.refs` shows zmq_cffi's zero-copy loans (collected on every look) and stored objects."""
from __future__ import annotations

import threading

import zmq_cffi as zmq
from conftest import pair
from zmq_cffi._ffi import ffi
from zmq_cffi.utils import garbage
from zmq_cffi.utils.garbage import GarbageCollector, gc


def test_refs_show_a_zero_copy_loan_until_libzmq_releases_it(ctx):
    import gc as python_gc

    a, b = pair(ctx, zmq.PUSH, zmq.PULL, "tcp")
    payload = b"x" * 100_000
    before = set(gc.refs)
    frame = zmq.Frame(payload, copy=False, track=True)
    tracker = frame.tracker
    [key] = set(gc.refs) - before
    assert key in gc.refs and gc.refs[key].event is not None
    assert len(ffi.buffer(gc.refs[key].obj)) == len(payload)  # the pinned buffer
    a.send(frame, copy=False)
    assert b.recv() == payload
    del frame
    python_gc.collect()
    tracker.wait(10)  # libzmq sent it and the Frame is gone: the loan ends
    assert key not in gc.refs
    assert not gc.is_alive()


def test_a_frame_lent_without_copy_is_held_until_dropped():
    import gc as python_gc

    data = b"y" * 64
    before = set(gc.refs)
    frame = zmq.Frame(data, copy=False)
    [key] = set(gc.refs) - before
    del frame
    python_gc.collect()
    assert key not in gc.refs


def test_store_keeps_an_object_until_released():
    collector = GarbageCollector()
    event = threading.Event()
    obj = bytearray(b"lent")
    key = collector.store(obj, event)
    assert collector.refs[key].obj is obj and collector.refs[key].event is event
    assert not event.is_set()
    collector.release(key)
    assert key not in collector.refs and event.is_set()
    collector.release(key)  # a second release is ignored


def test_stop_releases_everything_and_start_is_harmless():
    collector = GarbageCollector(context=None)
    collector.start()
    events = [threading.Event() for _ in range(3)]
    keys = {collector.store(object(), e) for e in events}
    assert len(keys) == 3 and collector.store(object()) not in keys
    assert keys <= set(collector.refs)
    collector.stop()
    assert not keys & set(collector.refs) and all(e.is_set() for e in events)
    assert not collector.is_alive()


def test_module_exposes_pyzmq_names():
    assert isinstance(garbage.gc, GarbageCollector)
    ref = garbage.gcref(obj=1, event=None)
    assert ref.obj == 1 and ref.event is None
    assert gc.url.startswith("inproc://")
