"""A logging handler that publishes records on a PUB socket, with topics to subscribe to.

    handler = PUBHandler("tcp://127.0.0.1:5555")     # or PUBHandler(pub_socket)
    handler.root_topic = "myapp"
    logging.getLogger().addHandler(handler)
    logging.getLogger().warning("disk.usage::90% full")

publishes the two frames [b"myapp.WARNING.disk.usage", b"WARNING ... 90% full\\n"]: the topic
is root_topic, the level name and the message's own subtopic (the part before "::").
"""
from __future__ import annotations

import copy
import logging
import sys
from typing import Any, Dict, Optional, Union

from zmq_cffi import constants
from zmq_cffi.context import Context
from zmq_cffi.socket import Socket

__all__ = ["PUBHandler", "TopicLogger", "TOPIC_DELIM"]

#: Separates a message's subtopic from its text: log.info("db.query::took 3 s").
TOPIC_DELIM = "::"

# Extra stacklevel that makes records of TopicLogger point at its caller, not at its own two
# wrapper frames: Python 3.11 counts only frames outside logging (bpo-45171), older versions
# start counting at the frame that called Logger._log.
_WRAPPER_FRAMES = 2 if sys.version_info >= (3, 11) else 1

_DETAILED = "%(levelname)s %(filename)s:%(lineno)d - %(message)s\n"


class PUBHandler(logging.Handler):
    """Publishes each log record as [topic, formatted text] on a PUB socket.

    `interface_or_socket` is a socket to publish on (the caller keeps owning it) or an
    endpoint to bind a new PUB socket to (made from `context`, or a new Context); the
    handler closes a socket it made in close(). Each level has its own formatter (see
    setFormatter); subscribers filter on the topic, "<root_topic>.<LEVEL>[.<subtopic>]".
    """

    socket: Socket
    ctx: Context
    formatters: Dict[int, Optional[logging.Formatter]]

    def __init__(
        self, interface_or_socket: Union[str, Socket], context: Optional[Context] = None, root_topic: str = ""
    ) -> None:
        super().__init__()
        self.root_topic = root_topic
        self.formatters = {
            logging.DEBUG: logging.Formatter(_DETAILED),
            logging.INFO: logging.Formatter("%(message)s\n"),
            logging.WARNING: logging.Formatter(_DETAILED),
            logging.ERROR: logging.Formatter(
                "%(levelname)s %(filename)s:%(lineno)d - %(message)s - %(exc_info)s\n"
            ),
            logging.CRITICAL: logging.Formatter(_DETAILED),
        }
        if isinstance(interface_or_socket, Socket):
            self.socket = interface_or_socket
            self.ctx = interface_or_socket.context
            self._owns_socket = False
        else:
            self.ctx = context if context is not None else Context()
            self.socket = self.ctx.socket(constants.PUB)
            self.socket.bind(interface_or_socket)
            self._owns_socket = True

    @property
    def root_topic(self) -> str:
        """The first part of every topic ("" for none)."""
        return self._root_topic

    @root_topic.setter
    def root_topic(self, value: Union[str, bytes]) -> None:
        self.setRootTopic(value)

    def setRootTopic(self, root_topic: Union[str, bytes]) -> None:
        """Set the topic that every published topic starts with ("" for none).

        Subscribers must subscribe to a prefix of it (or to b"") to get any record."""
        if isinstance(root_topic, bytes):
            root_topic = root_topic.decode("utf-8")
        self._root_topic = root_topic

    def setFormatter(self, fmt: Optional[logging.Formatter], level: int = logging.NOTSET) -> None:
        """Use `fmt` for records of `level`, or, with the default level, for all levels."""
        if level == logging.NOTSET:
            for known in list(self.formatters):
                self.formatters[known] = fmt
        else:
            self.formatters[level] = fmt

    def _formatter_for(self, levelno: int) -> Optional[logging.Formatter]:
        if levelno in self.formatters:
            return self.formatters[levelno]
        # A custom level uses the formatter of the nearest standard level below it.
        below = [lvl for lvl in self.formatters if lvl <= levelno]
        return self.formatters[max(below)] if below else None

    def format(self, record: logging.LogRecord) -> str:
        """The record's text, from the formatter of its level."""
        fmt = self._formatter_for(record.levelno)
        if fmt is None:
            return super().format(record)
        return fmt.format(record)

    def emit(self, record: logging.LogRecord) -> None:
        """Publish the record as [topic, text] (both UTF-8)."""
        try:
            subtopic = ""
            text = str(record.msg)
            if TOPIC_DELIM in text:
                subtopic, text = text.split(TOPIC_DELIM, 1)
                # A copy: other handlers of this record must see it unchanged.
                record = copy.copy(record)
                record.msg = text
            body = self.format(record).encode("utf-8")
            parts = [self.root_topic] if self.root_topic else []
            parts.append(record.levelname)
            if subtopic:
                parts.append(subtopic)
            topic = ".".join(parts).encode("utf-8", "replace")
            self.socket.send_multipart([topic, body])
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        """Detach from logging; a socket this handler made is closed."""
        try:
            if self._owns_socket and not self.socket.closed:
                self.socket.close()
        finally:
            super().close()


class TopicLogger(logging.Logger):
    """A Logger whose methods take a topic before the message: log.info("db.query", "slow").

    With a PUBHandler the topic becomes the subtopic of the published record."""

    def log(self, level: int, topic: str, msg: Any, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Log `msg % args` at `level` under `topic`."""
        if not isinstance(level, int):
            raise TypeError("level must be an integer")
        if self.isEnabledFor(level):
            self._log_topic(level, topic, msg, args, kwargs)

    def _log_topic(self, level: int, topic: str, msg: Any, args: Any, kwargs: Any) -> None:
        # Two frames (this one and the public method) stand between the caller and _log.
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + _WRAPPER_FRAMES
        self._log(level, f"{topic}{TOPIC_DELIM}{msg}", args, **kwargs)


def _topic_method(name: str, level: int, exc_default: bool = False) -> Any:
    # Each method goes straight to Logger._log: Logger.warn, .fatal and .exception call
    # other level methods, which here take a topic too.
    def method(self: TopicLogger, topic: str, msg: Any, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            if exc_default:
                kwargs.setdefault("exc_info", True)
            self._log_topic(level, topic, msg, args, kwargs)

    method.__name__ = name
    method.__qualname__ = f"TopicLogger.{name}"
    method.__doc__ = f"Logger.{name}, with a topic before the message."
    return method


for _name, _level, _exc in (
    ("debug", logging.DEBUG, False),
    ("info", logging.INFO, False),
    ("warning", logging.WARNING, False),
    ("warn", logging.WARNING, False),
    ("error", logging.ERROR, False),
    ("exception", logging.ERROR, True),
    ("critical", logging.CRITICAL, False),
    ("fatal", logging.CRITICAL, False),
):
    setattr(TopicLogger, _name, _topic_method(_name, _level, _exc))
del _name, _level, _exc
