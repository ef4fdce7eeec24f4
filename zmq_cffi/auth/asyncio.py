"""AsyncioAuthenticator: the ZAP handler as a task of the running asyncio event loop."""
from __future__ import annotations

import asyncio
import warnings
from typing import Any, Optional

from zmq_cffi import constants
from zmq_cffi.asyncio import Poller
from zmq_cffi.auth.base import Authenticator
from zmq_cffi.context import Context
from zmq_cffi.error import Again

__all__ = ["AsyncioAuthenticator"]

_POLLIN = int(constants.POLLIN)
_NOBLOCK = int(constants.NOBLOCK)


class AsyncioAuthenticator(Authenticator):
    """An Authenticator served by a task on the asyncio event loop.

    Call `start()` from code running in the loop (or with the loop set as current); the task
    answers ZAP requests while the loop runs, until `stop()`. `loop` is accepted for
    compatibility and ignored."""

    def __init__(
        self, context: Optional[Context] = None, loop: Any = None, encoding: str = "utf-8", log: Any = None
    ) -> None:
        super().__init__(context, encoding, log)
        if loop is not None:
            warnings.warn(
                f"{type(self).__name__}(loop) is deprecated and ignored", DeprecationWarning, stacklevel=2
            )
        self._poller: Optional[Poller] = None
        self._task: Optional["asyncio.Future[None]"] = None

    async def _serve(self) -> None:
        poller, zap = self._poller, self.zap_socket
        while poller is not None and poller is self._poller and zap is not None:
            events = dict(await poller.poll())
            if zap not in events:
                continue
            try:
                request = zap.recv_multipart(_NOBLOCK)
            except Again:
                # Readiness can be stale (edge-triggered notification): wait again.
                continue
            await self._process_zap_request(request)

    def start(self) -> None:
        """Bind the ZAP socket and schedule the task that answers requests."""
        super().start()
        self._poller = Poller()
        self._poller.register(self.zap_socket, _POLLIN)
        self._task = asyncio.ensure_future(self._serve())

    def stop(self) -> None:
        """Cancel the task and close the ZAP socket."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._poller is not None:
            if self.zap_socket is not None:
                self._poller.unregister(self.zap_socket)
            self._poller = None
        super().stop()
