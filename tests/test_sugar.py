"""zmq_cffi.sugar: pyzmq's module layout over zmq_cffi's own classes (the same objects)."""
from __future__ import annotations

import importlib
import warnings

import pytest

import zmq_cffi as zmq
from conftest import pair

SUBMODULES = ["socket", "context", "frame", "poll", "tracker", "version", "attrsettr", "stopwatch"]


@pytest.mark.parametrize("name", SUBMODULES)
def test_every_submodule_imports(name):
    module = importlib.import_module(f"zmq_cffi.sugar.{name}")
    assert module is getattr(zmq.sugar, name)
    for export in module.__all__:
        assert hasattr(module, export), (name, export)


def test_the_classes_are_zmq_cffi_s_own():
    assert zmq.sugar.socket.Socket is zmq.Socket
    assert zmq.sugar.socket.SyncSocket is zmq.Socket
    assert zmq.sugar.context.Context is zmq.Context
    assert zmq.sugar.context.SyncContext is zmq.Context
    assert zmq.sugar.frame.Frame is zmq.Frame
    assert zmq.sugar.frame.Message is zmq.Message
    assert zmq.sugar.poll.Poller is zmq.Poller
    assert zmq.sugar.poll.select is zmq.select
    assert zmq.sugar.tracker.MessageTracker is zmq.MessageTracker
    assert zmq.sugar.tracker._FINISHED_TRACKER is zmq._FINISHED_TRACKER
    assert zmq.sugar.stopwatch.Stopwatch is zmq.Stopwatch
    assert zmq.sugar.Socket is zmq.Socket and zmq.sugar.Context is zmq.Context
    assert zmq.sugar.PUSH is zmq.PUSH and zmq.sugar.ZMQError is zmq.ZMQError


def test_isinstance_checks_against_sugar_names_hold_for_real_sockets(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, "tcp")
    assert isinstance(a, zmq.sugar.socket.Socket)
    assert isinstance(ctx, zmq.sugar.context.Context)
    a.send(b"via sugar", copy=False)
    frame = b.recv(copy=False)
    assert isinstance(frame, zmq.sugar.frame.Frame)
    poller = zmq.sugar.poll.Poller()
    poller.register(b, zmq.POLLIN)
    a.send(b"again")
    assert dict(poller.poll(10_000)) == {b: zmq.POLLIN}
    assert b.recv() == b"again"


def test_resetting_the_instance_through_sugar_resets_zmq_cffi_s():
    # What pyzmq's own test fixtures (and some programs) do after a failed term.
    first = zmq.Context.instance()
    try:
        zmq.sugar.context.Context._instance = None
        second = zmq.Context.instance()
        assert second is not first
        second.term()
    finally:
        first.term()


def test_attrsettr_is_the_mixin_of_options_by_attribute(ctx):
    assert issubclass(zmq.Context, zmq.sugar.attrsettr.AttributeSetter)
    sock = ctx.socket(zmq.PUSH)
    assert isinstance(sock, zmq.sugar.attrsettr.OptionSetter)
    sock.close()


def test_version_module_has_pyzmq_s_names():
    v = zmq.sugar.version
    assert v.pyzmq_version() == zmq.__version__ == v.__version__
    assert v.pyzmq_version_info() == v.version_info == (v.VERSION_MAJOR, v.VERSION_MINOR, v.VERSION_PATCH)
    assert v.VERSION_EXTRA == "" and v.__revision__ == "" and zmq.__revision__ == ""
    assert v.zmq_version_info() == zmq.zmq_version_info()


def test_stopwatch_through_sugar_is_deprecated_as_in_pyzmq():
    with pytest.warns(DeprecationWarning):
        watch = zmq.sugar.stopwatch.Stopwatch()
    watch.start()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert watch.stop() >= 0
