"""MessageTracker: knowing when libzmq is done with a zero-copy message."""
from __future__ import annotations

import gc
import threading

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint

BIG = b"t" * 200_000
WAIT = TIMEOUT_MS / 1000




@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_tracker_done_after_delivery(make_pair, transport):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, transport)
    tracker = push.send(BIG, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)
    assert pull.recv() == BIG
    tracker.wait(WAIT)
    assert tracker.done


def test_not_done_while_queued(ctx):
    addr = endpoint("inproc")
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.connect(addr)
    tracker = push.send(bytes(BIG), copy=False, track=True)
    with pytest.raises(zmq.NotDone):
        tracker.wait(0.05)
    assert not tracker.done
    pull = ctx.socket(zmq.PULL)
    pull.linger = 0
    pull.rcvtimeo = TIMEOUT_MS
    pull.bind(addr)
    assert pull.recv() == BIG
    tracker.wait(WAIT)
    assert tracker.done


def test_tracker_over_multipart(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    parts = [b"a" * 100_000, b"b" * 100_000, b"c" * 100_000]
    tracker = push.send_multipart(parts, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)
    assert pull.recv_multipart() == parts
    tracker.wait(WAIT)
    assert tracker.done


def test_tracker_combining_sends(ctx):
    addr = endpoint("inproc")
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.connect(addr)
    first = push.send(b"1" * 100_000, copy=False, track=True)
    second = push.send(b"2" * 100_000, copy=False, track=True)
    both = zmq.MessageTracker(first, second)
    with pytest.raises(zmq.NotDone):
        both.wait(0.05)
    pull = ctx.socket(zmq.PULL)
    pull.linger = 0
    pull.rcvtimeo = TIMEOUT_MS
    pull.bind(addr)
    assert pull.recv() == b"1" * 100_000
    first.wait(WAIT)
    assert not both.done
    assert pull.recv() == b"2" * 100_000
    both.wait(WAIT)
    assert both.done


def test_tracker_of_events():
    a, b = threading.Event(), threading.Event()
    tracker = zmq.MessageTracker(a, b)
    assert not tracker.done
    a.set()
    assert not tracker.done
    with pytest.raises(zmq.NotDone):
        tracker.wait(0.01)
    b.set()
    assert tracker.done
    tracker.wait(WAIT)


def test_tracker_waits_for_event_set_by_another_thread():
    event = threading.Event()
    tracker = zmq.MessageTracker(event)
    setter = threading.Timer(0.05, event.set)
    setter.start()
    try:
        tracker.wait(WAIT)
    finally:
        setter.join(WAIT)
    assert tracker.done


def test_tracker_of_frames_and_trackers(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    frame = zmq.Frame(BIG, track=True)
    event = threading.Event()
    tracker = zmq.MessageTracker(frame, zmq.MessageTracker(event))
    push.send(frame, copy=False)
    assert pull.recv() == BIG
    event.set()
    assert not tracker.done
    del frame
    gc.collect()
    tracker.wait(WAIT)
    assert tracker.done


def test_tracker_rejects_untracked_frame():
    with pytest.raises(ValueError):
        zmq.MessageTracker(zmq.Frame(b"untracked"))


def test_tracker_rejects_other_objects():
    with pytest.raises(TypeError):
        zmq.MessageTracker(42)


def test_empty_tracker_is_done():
    tracker = zmq.MessageTracker()
    assert tracker.done
    tracker.wait(0)


@pytest.mark.parametrize("track", [True, False])
def test_copying_send_returns_none(make_pair, track):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    assert push.send(BIG, copy=True, track=track) is None
    assert push.send_multipart([BIG, BIG], copy=True, track=track) is None
    assert pull.recv() == BIG


def test_untracked_nocopy_send_returns_none(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    assert push.send(BIG, copy=False) is None
    assert pull.recv() == BIG


def test_small_nocopy_tracked_send_is_done(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    tracker = push.send(b"small", copy=False, track=True)
    assert pull.recv() == b"small"
    tracker.wait(WAIT)
    assert tracker.done
