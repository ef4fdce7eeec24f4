"""ThreadAuthenticator: the ZAP handler in a background thread of its own."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, List, Optional

from zmq_cffi import constants
from zmq_cffi.auth.base import Authenticator
from zmq_cffi.context import Context
from zmq_cffi.error import ZMQError
from zmq_cffi.poll import Poller
from zmq_cffi.socket import Socket

__all__ = ["ThreadAuthenticator"]

_POLLIN = int(constants.POLLIN)
_ETERM = int(constants.ETERM)
_START_TIMEOUT = 10.0


class AuthenticationThread(threading.Thread):
    """Serves an Authenticator's ZAP socket until b"TERMINATE" arrives on its pipe.

    The ZAP socket is handed over to this thread at start and used only here until the
    thread ends. A private event loop runs handle_zap_message, which is a coroutine so that
    CURVE credential callbacks may be asynchronous."""

    authenticator: Authenticator
    pipe: Optional[Socket]

    def __init__(self, authenticator: Authenticator, pipe: Socket) -> None:
        super().__init__(daemon=True, name="zmq_cffi-auth")
        self.authenticator = authenticator
        self.log = authenticator.log
        self.pipe = pipe
        self.started = threading.Event()

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            self._serve(loop)
        finally:
            if self.pipe is not None:
                self.pipe.close()
                self.pipe = None
            loop.close()

    def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        zap = self.authenticator.zap_socket
        pipe = self.pipe
        assert zap is not None and pipe is not None
        poller = Poller()
        poller.register(pipe, _POLLIN)
        poller.register(zap, _POLLIN)
        self.started.set()
        while True:
            try:
                events = dict(poller.poll())
                if pipe in events and self._handle_pipe_message(pipe.recv_multipart()):
                    return
                if zap in events:
                    request = zap.recv_multipart()
                    loop.run_until_complete(self.authenticator._process_zap_request(request))
            except ZMQError as e:
                # The context was terminated under us: nothing left to serve.
                if e.errno == _ETERM:
                    return
                raise

    def _handle_pipe_message(self, msg: List[bytes]) -> bool:
        """Act on a command from the owning thread; True means stop."""
        command = msg[0]
        self.log.debug("auth received API command %r", command)
        if command == b"TERMINATE":
            return True
        self.log.error("Invalid auth command from API: %r", command)
        assert self.pipe is not None
        self.pipe.send(b"ERROR")
        return False


class ThreadAuthenticator(Authenticator):
    """An Authenticator that answers ZAP requests in a background thread.

    Configure it (allow, configure_plain, configure_curve, ...) before or after `start()`;
    `stop()` ends the thread and closes the ZAP socket. Call stop() before terminating the
    context, or use Context.destroy()."""

    pipe: Optional[Socket]
    pipe_endpoint: str
    thread: Optional[AuthenticationThread]

    def __init__(self, context: Optional[Context] = None, encoding: str = "utf-8", log: Any = None) -> None:
        super().__init__(context=context, encoding=encoding, log=log)
        self.pipe = None
        self.pipe_endpoint = f"inproc://zmq_cffi.auth.{id(self):x}"
        self.thread = None

    def start(self) -> None:
        """Bind the ZAP socket and start the thread; returns once the thread serves requests."""
        super().start()
        pipe = self.context.socket(constants.PAIR, socket_class=Socket)
        thread_pipe = self.context.socket(constants.PAIR, socket_class=Socket)
        for sock in (pipe, thread_pipe):
            sock.linger = 1
        pipe.bind(self.pipe_endpoint)
        thread_pipe.connect(self.pipe_endpoint)
        self.pipe = pipe
        self.thread = AuthenticationThread(self, thread_pipe)
        self.thread.start()
        if not self.thread.started.wait(_START_TIMEOUT):
            raise RuntimeError("Authenticator thread failed to start")

    def stop(self) -> None:
        """Stop the thread (waiting for it) and close the ZAP socket."""
        pipe, self.pipe = self.pipe, None
        if pipe is not None:
            try:
                pipe.send(b"TERMINATE")
            except ZMQError as e:
                # Already gone with its context: the thread has seen ETERM and is ending.
                if e.errno not in (_ETERM, int(constants.ENOTSOCK)):
                    raise
            if self.thread is not None and self.thread.is_alive():
                self.thread.join()
            pipe.close()
        self.thread = None
        super().stop()

    def is_alive(self) -> bool:
        """Whether the authentication thread is running."""
        return self.thread is not None and self.thread.is_alive()

    def __del__(self) -> None:
        # The thread holds a reference to us, so this only runs once it has ended.
        try:
            self.stop()
        except Exception:
            pass
