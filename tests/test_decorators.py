"""zmq_cffi.decorators: context and socket injected into calls, and closed when they end."""
from __future__ import annotations

from typing import Any, List

import pytest

import zmq_cffi as zmq
from zmq_cffi.decorators import context, socket

from conftest import TIMEOUT_MS, endpoint


def test_context_is_injected_and_destroyed() -> None:
    seen: List[zmq.Context] = []

    @context()
    def work(ctx: zmq.Context) -> str:
        assert isinstance(ctx, zmq.Context) and not ctx.closed
        seen.append(ctx)
        return "result"

    assert work() == "result"
    assert work() == "result"
    # A fresh context per call, terminated when the call returns.
    assert seen[0] is not seen[1]
    assert all(ctx.closed for ctx in seen)


def test_context_arguments_and_keyword_name() -> None:
    @context("ctx", io_threads=2)
    def by_position(a: int, *, ctx: zmq.Context) -> int:
        return a + ctx.get(zmq.IO_THREADS)

    @context(name="my_ctx")
    def by_keyword(my_ctx: zmq.Context) -> bool:
        return isinstance(my_ctx, zmq.Context)

    assert by_position(40) == 42
    assert by_keyword()


def test_keyword_given_twice_is_an_error() -> None:
    @context("ctx")
    def work(ctx: Any) -> None:
        raise AssertionError("not reached")

    with pytest.raises(TypeError, match="multiple values for argument 'ctx'"):
        work(ctx="mine")


def test_wrapper_keeps_name_and_doc() -> None:
    @context()
    @socket(zmq.PUSH)
    def documented(ctx: zmq.Context, push: zmq.Socket) -> None:
        """Docstring kept."""

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Docstring kept."


def test_stacked_decorators_carry_traffic() -> None:
    addr = endpoint("inproc")
    made: List[Any] = []

    @context()
    @socket(zmq.PUSH)
    @socket(zmq.PULL)
    def work(ctx: zmq.Context, push: zmq.Socket, pull: zmq.Socket) -> bytes:
        made.extend([ctx, push, pull])
        # Both sockets come from the injected context, so inproc works between them.
        assert push.context is ctx and pull.context is ctx
        assert push.socket_type == zmq.PUSH and pull.socket_type == zmq.PULL
        pull.rcvtimeo = TIMEOUT_MS
        push.linger = 0
        pull.bind(addr)
        push.connect(addr)
        push.send(b"decorated")
        return pull.recv()

    assert work() == b"decorated"
    ctx, push, pull = made
    assert push.closed and pull.closed and ctx.closed


def test_socket_from_named_context_argument(ctx: zmq.Context) -> None:
    @socket("pub", zmq.PUB, context_name="where")
    def work(*, where: zmq.Context, pub: zmq.Socket) -> zmq.Socket:
        assert pub.context is where
        return pub

    sock = work(where=ctx)
    assert sock.closed and not ctx.closed


def test_socket_from_positional_context(ctx: zmq.Context) -> None:
    @socket(zmq.REQ)
    def work(label: str, context: zmq.Context, req: zmq.Socket) -> str:
        assert req.context is context
        return label

    assert work("x", ctx) == "x"


def test_socket_defaults_to_global_instance() -> None:
    @socket(zmq.DEALER)
    def work(dealer: zmq.Socket) -> zmq.Socket:
        assert dealer.context is zmq.Context.instance()
        return dealer

    assert work().closed


def test_socket_extra_arguments_reach_context_socket(ctx: zmq.Context) -> None:
    class Tagged(zmq.Socket):
        pass

    @socket(zmq.PAIR, socket_class=Tagged)
    def work(context: zmq.Context, pair: zmq.Socket) -> zmq.Socket:
        assert type(pair) is Tagged
        return pair

    assert work(ctx).closed


def test_socket_closed_when_function_raises(ctx: zmq.Context) -> None:
    kept: List[zmq.Socket] = []

    @socket(zmq.PUSH)
    def work(context: zmq.Context, push: zmq.Socket) -> None:
        kept.append(push)
        raise KeyError("boom")

    with pytest.raises(KeyError):
        work(ctx)
    assert kept[0].closed
