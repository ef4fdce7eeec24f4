"""Decorators that hand a function a fresh Context or Socket and close it when it returns.

    @context()
    @socket(zmq_cffi.PUSH)
    def work(ctx, push):
        ...

Each decorator adds its object as the last positional argument, or as a keyword argument
when given a name first: `@socket("push", zmq_cffi.PUSH)` or `@context(name="ctx")`.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple, TypeVar

from zmq_cffi.context import Context

__all__ = ["context", "socket"]

R = TypeVar("R")

if TYPE_CHECKING:
    from typing import Protocol

    class _Decorator(Protocol):
        """What context() and socket() return. The decorated function takes the same
        arguments less the one supplied, which no type can say, so any; its result is kept."""

        def __call__(self, func: Callable[..., R], /) -> Callable[..., R]: ...


def _take_name(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Tuple[Optional[str], Tuple[Any, ...]]:
    """Split the keyword name (`name=` or a leading str) off the decorator's arguments;
    the rest go to the Context/socket constructor."""
    if isinstance(kwargs.get("name"), str):
        return kwargs.pop("name"), args
    if args and isinstance(args[0], str):
        return args[0], args[1:]
    return None, args


def _call_with(
    func: Callable[..., R], name: Optional[str], obj: Any, args: Tuple[Any, ...], kwargs: Dict[str, Any]
) -> R:
    if name is None:
        return func(*args, obj, **kwargs)
    if name in kwargs:
        raise TypeError(f"{func.__name__}() got multiple values for argument '{name}'")
    return func(*args, **{**kwargs, name: obj})


def context(*args: Any, **kwargs: Any) -> _Decorator:
    """Decorate a function so each call gets a new Context, destroyed when the call ends.

    `@context()`, `@context("ctx")` / `@context(name="ctx")` (passed as keyword `ctx`);
    other arguments go to Context(), e.g. `@context(io_threads=2)`."""
    name, ctx_args = _take_name(args, kwargs)

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(func)
        def wrapper(*call_args: Any, **call_kwargs: Any) -> R:
            with Context(*ctx_args, **kwargs) as ctx:
                return _call_with(func, name, ctx, call_args, call_kwargs)

        return wrapper

    return decorate


def _find_context(context_name: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Context:
    """The Context a socket decorator uses: the keyword argument `context_name`, else the
    first Context among the positional arguments, else Context.instance()."""
    candidate = kwargs.get(context_name)
    if isinstance(candidate, Context):
        return candidate
    for arg in args:
        if isinstance(arg, Context):
            return arg
    return Context.instance()


def socket(*args: Any, **kwargs: Any) -> _Decorator:
    """Decorate a function so each call gets a new socket, closed when the call ends.

    `@socket(zmq_cffi.PUSH)`, `@socket("push", zmq_cffi.PUSH)` (passed as keyword `push`).
    The socket comes from the call's Context (see the keyword `context_name`, default
    "context", or the first Context argument, e.g. one from @context), or else from
    Context.instance(). Other arguments go to Context.socket()."""
    name, sock_args = _take_name(args, kwargs)
    context_name = kwargs.pop("context_name", "context")

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(func)
        def wrapper(*call_args: Any, **call_kwargs: Any) -> R:
            ctx = _find_context(context_name, call_args, call_kwargs)
            with ctx.socket(*sock_args, **kwargs) as sock:
                return _call_with(func, name, sock, call_args, call_kwargs)

        return wrapper

    return decorate
