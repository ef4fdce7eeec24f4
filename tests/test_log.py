"""zmq_cffi.log.handlers: log records published on PUB sockets and read by SUB sockets.

The handler is given an XPUB socket where the test must know a subscription has arrived:
XPUB hands the subscription to the test, so publishing starts only once it is in place.
"""
from __future__ import annotations

import logging
import logging.config
import select
import signal
import subprocess
import sys
import time
import uuid
from typing import Any, Iterator, List, Tuple

import pytest

import zmq_cffi as zmq
from zmq_cffi.log.handlers import TOPIC_DELIM, PUBHandler, TopicLogger

from conftest import TIMEOUT_MS, endpoint

#: Bound for a new interpreter to start and subscribe (PyPy on a busy machine is slow to start).
STARTUP_S = 3 * TIMEOUT_MS / 1000


def _sock(ctx: zmq.Context, socket_type: int) -> zmq.Socket:
    sock = ctx.socket(socket_type)
    sock.linger = 0
    sock.rcvtimeo = TIMEOUT_MS
    sock.sndtimeo = TIMEOUT_MS
    return sock


def subscribed(ctx: zmq.Context, *topics: bytes) -> Tuple[zmq.Socket, zmq.Socket]:
    """(xpub, sub): connected, with `topics` subscribed and known to the XPUB."""
    xpub, sub = _sock(ctx, zmq.XPUB), _sock(ctx, zmq.SUB)
    xpub.bind(endpoint("inproc"))
    sub.connect(xpub.get_string(zmq.LAST_ENDPOINT))
    for topic in topics:
        sub.subscribe(topic)
        assert xpub.recv() == b"\x01" + topic
    return xpub, sub


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger(f"zmq_cffi.test.{uuid.uuid4().hex}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


@pytest.fixture
def topic_logger() -> Iterator[TopicLogger]:
    log = TopicLogger(f"zmq_cffi.test.topics.{uuid.uuid4().hex}")
    log.setLevel(logging.DEBUG)
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


def test_topics_levels_and_subtopics(ctx: zmq.Context, logger: logging.Logger) -> None:
    xpub, sub = subscribed(ctx, b"")
    handler = PUBHandler(xpub)
    assert handler.socket is xpub and handler.ctx is ctx
    handler.root_topic = "app"
    logger.addHandler(handler)

    logger.info("plain message")
    assert sub.recv_multipart() == [b"app.INFO", b"plain message\n"]

    logger.warning("disk.usage::%d%% full", 90)
    topic, body = sub.recv_multipart()
    assert topic == b"app.WARNING.disk.usage"
    # WARNING and DEBUG records say where they were logged.
    assert body.startswith(b"WARNING test_log.py:") and body.endswith(b" - 90% full\n")

    logger.debug("unicode::caf\u00e9")
    topic, body = sub.recv_multipart()
    assert topic == b"app.DEBUG.unicode"
    assert body.endswith("caf\u00e9\n".encode("utf-8"))


def test_subscribers_filter_by_topic(ctx: zmq.Context, logger: logging.Logger) -> None:
    xpub, sub = subscribed(ctx, b"svc.ERROR", b"svc.CRITICAL")
    logger.addHandler(PUBHandler(xpub, root_topic="svc"))
    logger.info("not wanted")
    logger.warning("not wanted either")
    logger.error("db::connection lost")
    logger.critical("fatal")
    # PUB filters in order: only the two subscribed levels arrive, in sequence.
    assert sub.recv_multipart()[0] == b"svc.ERROR.db"
    assert sub.recv_multipart()[0] == b"svc.CRITICAL"
    assert sub.poll(50) == 0


def test_empty_and_bytes_root_topic(ctx: zmq.Context, logger: logging.Logger) -> None:
    xpub, sub = subscribed(ctx, b"")
    handler = PUBHandler(xpub)
    logger.addHandler(handler)
    logger.info("no root")
    assert sub.recv_multipart() == [b"INFO", b"no root\n"]
    handler.setRootTopic(b"bytes.root")
    assert handler.root_topic == "bytes.root"
    logger.info("with root")
    assert sub.recv_multipart() == [b"bytes.root.INFO", b"with root\n"]


def test_formatters(ctx: zmq.Context, logger: logging.Logger) -> None:
    xpub, sub = subscribed(ctx, b"")
    handler = PUBHandler(xpub)
    logger.addHandler(handler)
    handler.setFormatter(logging.Formatter("<%(message)s>"))
    logger.info("all")
    logger.error("levels")
    assert sub.recv_multipart()[1] == b"<all>"
    assert sub.recv_multipart()[1] == b"<levels>"
    handler.setFormatter(logging.Formatter("E:%(message)s"), logging.ERROR)
    logger.info("info")
    logger.error("error")
    assert sub.recv_multipart()[1] == b"<info>"
    assert sub.recv_multipart()[1] == b"E:error"


def test_other_handlers_see_the_record_unchanged(ctx: zmq.Context, logger: logging.Logger) -> None:
    xpub, sub = subscribed(ctx, b"")
    seen: List[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger.addHandler(PUBHandler(xpub))
    logger.addHandler(Keep())
    logger.info("topic::text")
    assert sub.recv_multipart() == [b"INFO.topic", b"text\n"]
    assert seen == ["topic" + TOPIC_DELIM + "text"]


def test_topic_logger(ctx: zmq.Context, topic_logger: TopicLogger) -> None:
    xpub, sub = subscribed(ctx, b"")
    topic_logger.addHandler(PUBHandler(xpub, root_topic="tl"))
    topic_logger.info("jobs.start", "job %d started", 7)
    assert sub.recv_multipart() == [b"tl.INFO.jobs.start", b"job 7 started\n"]
    topic_logger.warning("jobs.slow", "slow")
    topic, body = sub.recv_multipart()
    assert topic == b"tl.WARNING.jobs.slow"
    # The caller's line, not the wrapper's, is in the record.
    assert body.startswith(b"WARNING test_log.py:")
    topic_logger.log(logging.ERROR, "jobs.fail", "failed")
    assert sub.recv_multipart()[0] == b"tl.ERROR.jobs.fail"
    try:
        raise ValueError("bad input")
    except ValueError:
        topic_logger.exception("jobs.crash", "crashed")
    topic, body = sub.recv_multipart()
    assert topic == b"tl.ERROR.jobs.crash" and b"ValueError" in body
    topic_logger.critical("jobs", "stop")
    assert sub.recv_multipart()[0] == b"tl.CRITICAL.jobs"
    topic_logger.debug("jobs", "details")
    assert sub.recv_multipart()[0] == b"tl.DEBUG.jobs"


def test_handler_binds_its_own_pub(ctx: zmq.Context, logger: logging.Logger) -> None:
    addr = endpoint("inproc")
    handler = PUBHandler(addr, context=ctx)
    assert handler.socket.socket_type == zmq.PUB and handler.ctx is ctx
    handler.socket.linger = 0
    logger.addHandler(handler)
    sub = _sock(ctx, zmq.SUB)
    sub.subscribe(b"INFO")
    sub.connect(addr)
    # A PUB cannot say when a subscription has arrived: log until one record gets through.
    for _ in range(200):
        logger.info("probe")
        if sub.poll(50):
            break
    else:
        pytest.fail("no record reached the subscriber")
    assert sub.recv_multipart() == [b"INFO", b"probe\n"]
    logger.removeHandler(handler)
    handler.close()
    # The handler made that socket, so it closes it.
    assert handler.socket.closed


def test_dict_config(ctx: zmq.Context) -> None:
    xpub, sub = subscribed(ctx, b"")
    name = f"zmq_cffi.test.cfg.{uuid.uuid4().hex}"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "zmq": {
                    "class": "zmq_cffi.log.handlers.PUBHandler",
                    "level": logging.DEBUG,
                    "root_topic": "cfg",
                    "interface_or_socket": xpub,
                }
            },
            "loggers": {name: {"level": "DEBUG", "handlers": ["zmq"], "propagate": False}},
        }
    )
    log = logging.getLogger(name)
    try:
        log.info("configured")
        assert sub.recv_multipart() == [b"cfg.INFO", b"configured\n"]
    finally:
        for handler in list(log.handlers):
            log.removeHandler(handler)
    # A socket given to the handler stays the caller's.
    assert not xpub.closed


def test_send_failure_goes_to_handle_error(ctx: zmq.Context, logger: logging.Logger, capsys: Any) -> None:
    pub = _sock(ctx, zmq.PUB)
    logger.addHandler(PUBHandler(pub))
    pub.close()
    logger.error("lost")
    # logging's own error path reports it; the caller is not interrupted.
    assert "ZMQError" in capsys.readouterr().err


def test_log_watcher_prints_records(ctx: zmq.Context, logger: logging.Logger) -> None:
    pub = _sock(ctx, zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    logger.addHandler(PUBHandler(pub, root_topic="watch"))
    watcher = subprocess.Popen(
        [sys.executable, "-m", "zmq_cffi.log", f"tcp://127.0.0.1:{port}", "--topic", "watch.WARNING", "--separator", " :: "],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # The watcher subscribes at some point after it starts: publish until a line comes back.
        deadline = time.monotonic() + STARTUP_S
        line = b""
        while not line and time.monotonic() < deadline:
            logger.info("filtered out")
            logger.warning("disk::nearly full")
            if select.select([watcher.stdout], [], [], 0.05)[0]:
                line = watcher.stdout.readline()
        assert line.startswith(b"watch.WARNING.disk :: WARNING test_log.py:"), line
        assert line.endswith(b" - nearly full\n")
    finally:
        # Ctrl-C is how the watcher is meant to stop: it exits cleanly.
        watcher.send_signal(signal.SIGINT)
        try:
            _, err = watcher.communicate(timeout=TIMEOUT_MS / 1000)
        finally:
            if watcher.poll() is None:
                watcher.kill()
                watcher.wait()
    assert watcher.returncode == 0, err
