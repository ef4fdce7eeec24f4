"""Engines on loop objects, and socket objects bound to them: the readiness core's bookkeeping
for drivers whose event loops are objects with asyncio's method names (zmq_cffi._future:
asyncio's loops, and tornado's IOLoop through an adapter).

Such an engine outlives single waits: it serves every socket object bound to its loop over
the same libzmq socket, ZMQStreams and pending polls (its users), and stops watching the fd
when the last one leaves. A socket object's `LoopBinding` picks its loop at each call (the
running one), moves to another loop when that changes, and caches its engine there. Of the
loop this uses only is_running, is_closed, call_soon and call_soon_threadsafe; the driver
supplies the engine's watching of the fd (see zmq_cffi._readiness.Engine).
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, cast
from weakref import WeakKeyDictionary

from zmq_cffi import _readiness as rd

__all__: List[str] = []


class SharedEngine(rd.Engine):
    """An engine on a loop object, alive while it has users (objects with a `sock` and an
    `engine_closed(error)`)."""

    __slots__ = ("loop", "table", "users")

    def __init__(self, loop: Any, table: rd.EngineTable, key: int, fd: int, sock: Any) -> None:
        rd.Engine.__init__(self, key, fd, sock)
        self.loop, self.table = loop, table
        self.users: List[Any] = []
        table.add(self)

    def live_sock(self) -> Any:
        sock = rd.Engine.live_sock(self)
        for user in self.users if sock is None else ():
            if not user.sock.closed:
                self.sock = sock = user.sock
                break
        return sock

    def stale(self) -> bool:
        # Every socket object it serves is closed: the libzmq socket was closed behind our
        # back (a synchronous close), so its fd may already belong to another.
        return all(user.sock.closed for user in self.users)

    def join(self, user: Any) -> None:
        if user not in self.users:
            self.users.append(user)

    def leave(self, user: Any) -> None:
        if user in self.users:
            self.users.remove(user)
            if not self.users:
                self.close(None)

    def forget(self, sock: Any) -> None:
        rd.Engine.forget(self, sock)
        for user in [user for user in self.users if user.sock is sock]:
            self.leave(user)

    def close(self, error: Optional[BaseException]) -> None:
        if not self.closed:
            rd.Engine.close(self, error)
            for user in list(self.users):
                user.engine_closed(error)  # users with nothing pending too (a ZMQStream closes on ETERM)


class LoopTables:
    """Each loop's engines (weak on the loop: a closed, dropped loop takes them along), made
    with `make(loop, table, key, fd, sock)`."""

    __slots__ = ("tables", "make", "generation")

    def __init__(self, make: Callable[[Any, rd.EngineTable, int, int, Any], SharedEngine]) -> None:
        self.tables: "WeakKeyDictionary[Any, rd.EngineTable]" = WeakKeyDictionary()
        self.make = make
        # Bumped whenever an engine is made, so a socket object with none cached knows when it
        # is worth looking again (another object over the same libzmq socket may have made one).
        self.generation = 0

    def get(self, loop: Any) -> Optional[rd.EngineTable]:
        return self.tables.get(loop)

    def find(self, loop: Any, key: int) -> Optional[SharedEngine]:
        table = self.tables.get(loop)
        return None if table is None else cast(Optional[SharedEngine], table.get(key))

    def engine_of(self, loop: Any, sock: Any) -> SharedEngine:
        """The loop's engine of `sock`'s libzmq socket, made if needed."""
        table = self.tables.get(loop)
        if table is None:
            table = self.tables[loop] = rd.EngineTable()
        engine = cast(Optional[SharedEngine], table.get(sock.underlying))
        if engine is not None:
            if not engine.stale():
                return engine
            engine.close(None)  # a closed socket's engine, its address now reused
        self.generation += 1
        return self.make(loop, table, sock.underlying, rd.backend_get(sock, rd.FD), sock)

    def socket_on_fd(self, loop: Any, fd: int) -> Any:
        """An open socket object whose fd the loop watches for an engine, or None."""
        table = self.tables.get(loop)
        engine = None if table is None else table.by_fd.get(fd)
        return None if engine is None or engine.closed else engine.live_sock()

    def sweep_soon(self, loop: Any) -> None:
        """Soon, every engine of the loop drains again: code that ran (a ZMQStream callback,
        say) may have called libzmq on any of their sockets."""
        table = self.tables.get(loop)
        if table is not None and not table.sweeping:
            table.sweeping = True
            loop.call_soon(table.sweep)


class LoopBinding:
    """A socket object's binding to its current loop, and its cached engine there. The socket
    provides `_running_loop()` and `_default_loop()`."""

    __slots__ = ("sock", "key", "loop", "tables", "engine", "generation")

    def __init__(self, sock: Any, loop: Any, tables: LoopTables) -> None:
        self.sock, self.key, self.loop, self.tables = sock, sock.underlying, loop, tables
        self.engine: Optional[SharedEngine] = None
        self.generation = -1

    def get_loop(self) -> Any:
        """The running loop, else the bound one (if still open), else the default one."""
        sock = self.sock
        loop = sock._running_loop()
        if loop is None:
            loop = self.loop
            if loop is None or loop.is_closed():
                loop = sock._default_loop()
        if loop is not self.loop:
            self.rebind(loop)
        return loop

    def rebind(self, loop: Any) -> None:
        """Move to another loop (e.g. a second asyncio.run): this object's waiters over there
        are cancelled; the new loop starts with none."""
        old, engine = self.loop, self.engine
        self.loop, self.engine, self.generation = loop, None, -1
        if old is None or engine is None or engine.closed:
            return
        if old.is_running() and not old.is_closed():
            old.call_soon_threadsafe(engine.forget, self.sock)  # another thread runs it: tidy up there
        else:
            engine.forget(self.sock)

    def ensure_engine(self, loop: Any) -> SharedEngine:
        engine = self.engine
        if engine is None or engine.closed or engine.loop is not loop:
            engine = self.engine = self.tables.engine_of(loop, self.sock)
        engine.join(self)
        return engine

    def after_call(self) -> None:
        """A libzmq call was made outside the engine: have waiters re-check if there are any."""
        engine = self.engine
        if engine is None or engine.closed:
            if self.generation == self.tables.generation or self.loop is None:
                return
            # Maybe a shadow of this socket or a Poller made an engine for it meanwhile.
            self.generation = self.tables.generation
            engine = self.engine = self.tables.find(self.loop, self.key)
            if engine is None:
                return
        if engine.recvq or engine.sendq or engine.polls:  # (Engine.after_call, inlined: every call)
            engine.kick()

    def engine_closed(self, error: Optional[BaseException]) -> None:
        pass  # its pending operations were ended; the next call makes a new engine

    def closing(self) -> None:
        """This object closes the libzmq socket, or forgets it (see Engine.closing)."""
        engine, self.engine = self.engine, None
        if (engine is None or engine.closed) and self.loop is not None:
            engine = self.tables.find(self.loop, self.key)
        if engine is not None:
            engine.closing(self.sock)

    def closed_elsewhere(self) -> None:
        """The libzmq socket is being closed through another object (a shadow, the context's
        destroy(), a finalizer), possibly on another thread: stop waiting on it."""
        loop = self.loop
        if loop is None:
            return  # never used with a loop: nothing to undo
        if self.sock._running_loop() is loop or not loop.is_running():
            self.closing()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self.closing)  # where its callbacks run
