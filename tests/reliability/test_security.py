"""Security: nobody gets in who should be kept out, and CURVE traffic is unreadable on the wire.

Servers are ROUTERs with ROUTER_MANDATORY, so "the refused client has no session" is checked
directly: sending to its routing id raises EHOSTUNREACH. Refusals are recognised by the
monitors' HANDSHAKE_FAILED_* events; the good client on the same server proves that the
server works and that its messages, and only its, arrive.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import zmq_cffi as zmq
from zmq_cffi.auth import create_certificates, load_certificate
from zmq_cffi.auth.thread import ThreadAuthenticator
from zmq_cffi.utils import z85
from zmq_cffi.utils.monitor import recv_monitor_message

from ._relay import FaultRelay, captured_bytes
from ._support import record

TIMEOUT_MS = 10_000
_HANDSHAKE_EVENTS = (
    zmq.EVENT_HANDSHAKE_SUCCEEDED
    | zmq.EVENT_HANDSHAKE_FAILED_AUTH
    | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
)
_FAILED = (
    zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
)


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


@pytest.fixture
def auth(ctx: zmq.Context) -> Iterator[ThreadAuthenticator]:
    authenticator = ThreadAuthenticator(ctx)
    authenticator.start()
    yield authenticator
    authenticator.stop()


def _socket(ctx: zmq.Context, kind: int, **options: Any) -> zmq.Socket:
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = s.sndtimeo = TIMEOUT_MS
    for name, value in options.items():
        setattr(s, name, value)
    return s


def _watch(sock: zmq.Socket) -> zmq.Socket:
    mon = sock.get_monitor_socket(_HANDSHAKE_EVENTS)
    mon.rcvtimeo = TIMEOUT_MS
    return mon


def _next_verdict(mon: zmq.Socket) -> Dict[str, Any]:
    """The next handshake verdict (success or failure) reported by a monitor."""
    try:
        return recv_monitor_message(mon)
    except zmq.Again:
        pytest.fail(f"no handshake verdict within {TIMEOUT_MS} ms")


class Server:
    """A ROUTER on 127.0.0.1 (ROUTER_MANDATORY) with a monitor on its handshakes."""

    def __init__(self, ctx: zmq.Context, **options: Any) -> None:
        self.sock = _socket(ctx, zmq.ROUTER, router_mandatory=1, **options)
        self.port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.monitor = _watch(self.sock)

    def endpoint(self, source: Optional[str] = None) -> str:
        return f"tcp://{source}:0;127.0.0.1:{self.port}" if source else f"tcp://127.0.0.1:{self.port}"

    def assert_unreachable(self, routing_id: bytes) -> None:
        with pytest.raises(zmq.ZMQError) as info:
            self.sock.send_multipart([routing_id, b"anything for you?"], zmq.NOBLOCK)
        assert info.value.errno == zmq.EHOSTUNREACH

    def expect_only(self, routing_id: bytes, body: bytes) -> None:
        assert self.sock.recv_multipart() == [routing_id, body]
        self.sock.send_multipart([routing_id, b"welcome"])
        assert self.sock.poll(300) == 0, "something else came through"


def _client(ctx: zmq.Context, server: Server, routing_id: bytes, source: Optional[str] = None, **options: Any) -> Tuple[zmq.Socket, zmq.Socket]:
    sock = _socket(ctx, zmq.DEALER, routing_id=routing_id, **options)
    mon = _watch(sock)
    sock.connect(server.endpoint(source))
    return sock, mon


def _expect_refused(server: Server, client: zmq.Socket, client_mon: zmq.Socket, routing_id: bytes,
                    server_event: int, value: Optional[int], client_event: Optional[int]) -> List[str]:
    """The client's message never arrives and it gets nothing; both monitors say why."""
    client.send(b"let me in", zmq.NOBLOCK)
    verdict = _next_verdict(server.monitor)
    assert verdict["event"] == server_event, verdict
    if value is not None:
        assert verdict["value"] == value, verdict
    seen = [verdict["event"].name]
    if client_event is not None:
        mine = _next_verdict(client_mon)
        assert mine["event"] & client_event, mine
        seen.append(f"client {mine['event'].name}")
    server.assert_unreachable(routing_id)
    assert server.sock.poll(200) == 0
    assert client.poll(200) == 0
    return seen


# -- CURVE ----------------------------------------------------------------------------------------


def test_curve_client_with_wrong_server_key_gets_nothing_through(ctx: zmq.Context) -> None:
    server_public, server_secret = zmq.curve_keypair()
    server = Server(ctx, curve_server=1, curve_secretkey=server_secret)

    impostor_public, _ = zmq.curve_keypair()  # a key that is not the server's
    public, secret = zmq.curve_keypair()
    bad, bad_mon = _client(ctx, server, b"bad", curve_serverkey=impostor_public, curve_publickey=public, curve_secretkey=secret)
    seen = _expect_refused(
        server, bad, bad_mon, b"bad", zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
        zmq.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, _FAILED,
    )
    # It keeps trying (reconnects) and keeps failing: still nothing gets through.
    again = _next_verdict(server.monitor)
    assert again["event"] == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, again

    public, secret = zmq.curve_keypair()
    good, good_mon = _client(ctx, server, b"good", curve_serverkey=server_public, curve_publickey=public, curve_secretkey=secret)
    good.send(b"hello")
    while True:  # the impostor's further attempts may be reported first, each one a failure
        verdict = _next_verdict(server.monitor)
        if verdict["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
            break
        assert verdict["event"] == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, verdict
    server.expect_only(b"good", b"hello")
    assert good.recv() == b"welcome"
    server.assert_unreachable(b"bad")
    assert bad.poll(100) == 0
    record("security.curve_wrong_server_key", f"refused at every attempt ({', '.join(seen)}), 0 messages through")


def test_curve_unknown_client_key_is_refused_by_zap(ctx: zmq.Context, auth: ThreadAuthenticator, tmp_path: Any) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    _, good_secret_file = create_certificates(str(allowed), "good")
    os.rename(good_secret_file, tmp_path / "good.key_secret")  # only public keys in the allowed dir
    good_public, good_secret = load_certificate(str(tmp_path / "good.key_secret"))
    auth.configure_curve(domain="*", location=str(allowed))

    server_public, server_secret = zmq.curve_keypair()
    server = Server(ctx, curve_server=1, curve_secretkey=server_secret)

    stranger_public, stranger_secret = zmq.curve_keypair()
    bad, bad_mon = _client(ctx, server, b"stranger", curve_serverkey=server_public, curve_publickey=stranger_public, curve_secretkey=stranger_secret)
    seen = _expect_refused(
        server, bad, bad_mon, b"stranger", zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400, zmq.EVENT_HANDSHAKE_FAILED_AUTH,
    )

    good, _ = _client(ctx, server, b"friend", curve_serverkey=server_public, curve_publickey=good_public, curve_secretkey=good_secret)
    good.send(b"hello")
    assert _next_verdict(server.monitor)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED
    server.expect_only(b"friend", b"hello")
    assert good.recv() == b"welcome"
    assert bad.poll(100) == 0
    record("security.curve_unknown_client", f"ZAP refused the unknown key ({', '.join(seen)}, status 400), 0 messages through")


# -- PLAIN ----------------------------------------------------------------------------------------


def test_plain_wrong_password_and_denied_address_are_refused(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.configure_plain(domain="*", passwords={"admin": "s3cret"})
    auth.deny("127.0.0.2")
    server = Server(ctx, plain_server=1)

    wrong, wrong_mon = _client(ctx, server, b"wrong", plain_username=b"admin", plain_password=b"guess")
    seen = _expect_refused(server, wrong, wrong_mon, b"wrong", zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    nobody, nobody_mon = _client(ctx, server, b"nobody", plain_username=b"root", plain_password=b"s3cret")
    seen += _expect_refused(server, nobody, nobody_mon, b"nobody", zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    # The right password, from a denied address (connecting from 127.0.0.2).
    denied, denied_mon = _client(ctx, server, b"denied", source="127.0.0.2", plain_username=b"admin", plain_password=b"s3cret")
    seen += _expect_refused(server, denied, denied_mon, b"denied", zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400, zmq.EVENT_HANDSHAKE_FAILED_AUTH)

    good, _ = _client(ctx, server, b"admin", plain_username=b"admin", plain_password=b"s3cret")
    good.send(b"hello")
    assert _next_verdict(server.monitor)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED
    server.expect_only(b"admin", b"hello")
    assert good.recv() == b"welcome"
    for refused in (b"wrong", b"nobody", b"denied"):
        server.assert_unreachable(refused)
    record(
        "security.plain",
        f"wrong password, unknown user and denied address all refused by ZAP (3 x status 400), "
        "0 messages through; the right password from an allowed address served",
    )


# -- what a wiretap sees ----------------------------------------------------------------------------

SECRET = b"TOP-SECRET-PAYLOAD-4f1c9a"
REPLY_SECRET = b"CLASSIFIED-REPLY-77e0b2"


@pytest.mark.parametrize("mechanism", ["NULL", "PLAIN", "CURVE"])
def test_wiretap_sees_payloads_only_without_curve(ctx: zmq.Context, auth: ThreadAuthenticator, mechanism: str) -> None:
    server_opts: Dict[str, Any] = {}
    client_opts: Dict[str, Any] = {}
    client_public = b""
    if mechanism == "PLAIN":
        auth.configure_plain(domain="*", passwords={"admin": "pa55-Word-9"})
        server_opts = {"plain_server": 1}
        client_opts = {"plain_username": b"admin", "plain_password": b"pa55-Word-9"}
    elif mechanism == "CURVE":
        auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
        server_public, server_secret = zmq.curve_keypair()
        client_public, client_secret = zmq.curve_keypair()
        server_opts = {"curve_server": 1, "curve_secretkey": server_secret}
        client_opts = {"curve_serverkey": server_public, "curve_publickey": client_public, "curve_secretkey": client_secret}

    rep = _socket(ctx, zmq.REP, **server_opts)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    with FaultRelay(listen=("127.0.0.1", 0), target=("127.0.0.1", port), capture=True) as relay:
        req = _socket(ctx, zmq.REQ, **client_opts)
        req.connect(f"tcp://127.0.0.1:{relay.port}")  # through the wiretap
        rounds = 10
        for i in range(rounds):
            req.send(SECRET + b" #%d" % i)
            assert rep.recv() == SECRET + b" #%d" % i
            rep.send(REPLY_SECRET + b" #%d" % i)
            assert req.recv() == REPLY_SECRET + b" #%d" % i
        req.close()
        wire = captured_bytes(relay)
        stats = relay.snapshot()
    rep.close()

    # The tap saw the whole conversation (both directions, every round trip).
    assert stats["connections"] == 1
    assert stats["bytes_up"] > rounds * len(SECRET) and stats["bytes_down"] > rounds * len(REPLY_SECRET)
    if mechanism == "CURVE":
        assert SECRET not in wire and REPLY_SECRET not in wire
        assert z85.decode(client_public) not in wire  # the client's identity is encrypted too
    else:
        assert SECRET in wire and REPLY_SECRET in wire
        if mechanism == "PLAIN":
            assert b"pa55-Word-9" in wire  # PLAIN sends the password in clear text
    record(
        f"security.wiretap[{mechanism}]",
        f"{len(wire)} bytes captured; payload in clear: {SECRET in wire}"
        + (", password in clear: True" if mechanism == "PLAIN" else ""),
    )
