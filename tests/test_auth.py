"""zmq_cffi.auth: ZAP authentication of NULL, PLAIN and CURVE clients over tcp on 127.0.0.1.

A refused client is recognised by the server's monitor event HANDSHAKE_FAILED_AUTH (libzmq
emits it when the ZAP handler says no), after which nothing it sent has arrived.
"""
from __future__ import annotations

import asyncio
import importlib
import os
import stat
from typing import Any, Dict, Iterator, List, Optional

import pytest

import zmq_cffi as zmq
from zmq_cffi.auth import (
    CURVE_ALLOW_ANY,
    Authenticator,
    create_certificates,
    load_certificate,
    load_certificates,
)
from zmq_cffi.auth.thread import ThreadAuthenticator
from zmq_cffi.utils import z85
from zmq_cffi.utils.monitor import recv_monitor_message

from conftest import TIMEOUT_MS

_DONE = zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH
_FAILED = (
    zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
)


@pytest.fixture
def auth(ctx: zmq.Context) -> Iterator[ThreadAuthenticator]:
    authenticator = ThreadAuthenticator(ctx)
    authenticator.start()
    yield authenticator
    # Before the ctx fixture destroys the context: the ZAP socket belongs to the thread.
    authenticator.stop()


def _socket(ctx: zmq.Context, socket_type: int, **options: Any) -> zmq.Socket:
    sock = ctx.socket(socket_type)
    sock.linger = 0
    sock.rcvtimeo = TIMEOUT_MS
    sock.sndtimeo = TIMEOUT_MS
    for name, value in options.items():
        setattr(sock, name, value)
    return sock


class Server:
    """A PULL server on tcp://127.0.0.1 with a monitor on its handshakes."""

    def __init__(self, ctx: zmq.Context, **options: Any) -> None:
        self.ctx = ctx
        self.sock = _socket(ctx, zmq.PULL, **options)
        self.port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.monitor = self.sock.get_monitor_socket(_DONE | _FAILED)
        self.monitor.rcvtimeo = TIMEOUT_MS

    def client(self, **options: Any) -> zmq.Socket:
        sock = _socket(self.ctx, zmq.PUSH, **options)
        sock.connect(f"tcp://127.0.0.1:{self.port}")
        return sock

    def handshake(self) -> Dict[str, Any]:
        """The next handshake verdict on the server side (success or failure event)."""
        event = recv_monitor_message(self.monitor)
        assert event["event"] & (_DONE | _FAILED), event
        return event

    def expect_accepted(self, client: zmq.Socket, body: bytes = b"hello") -> zmq.Frame:
        client.send(body)
        assert self.handshake()["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED
        frame = self.sock.recv(copy=False)
        assert frame.bytes == body
        return frame

    def expect_refused(self, client: zmq.Socket, status: int = 400) -> None:
        try:
            client.send(b"should never arrive", zmq.NOBLOCK)
        except zmq.Again:
            # The refusal came first and libzmq dropped the connection: no pipe to send on.
            pass
        event = self.handshake()
        assert event["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH, event
        assert event["value"] == status
        # Refused at the handshake: its message never reaches the server.
        assert self.sock.poll(200) == 0
        client.close()


# -- NULL ----------------------------------------------------------------------------------------


def test_null_without_zap_domain_is_not_checked(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    # libzmq only consults ZAP for NULL when the server has a ZAP domain.
    auth.deny("127.0.0.1")
    server = Server(ctx)
    server.expect_accepted(server.client())


def test_null_with_domain_and_no_policy_is_accepted(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    server = Server(ctx, zap_domain=b"global")
    frame = server.expect_accepted(server.client())
    assert frame.get("User-Id") == "anonymous"


def test_null_deny_address(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.deny("127.0.0.1")
    server = Server(ctx, zap_domain=b"global")
    server.expect_refused(server.client())


def test_null_deny_other_address(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.deny("192.0.2.1")
    server = Server(ctx, zap_domain=b"global")
    server.expect_accepted(server.client())


def test_null_allow_address(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.allow("127.0.0.1")
    server = Server(ctx, zap_domain=b"global")
    server.expect_accepted(server.client())


def test_null_allow_other_address_only(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.allow("192.0.2.1", "192.0.2.2")
    server = Server(ctx, zap_domain=b"global")
    server.expect_refused(server.client())


def test_allow_and_deny_exclude_each_other() -> None:
    first = Authenticator(zmq.Context.instance())
    first.allow("127.0.0.1")
    with pytest.raises(ValueError):
        first.deny("127.0.0.2")
    second = Authenticator(zmq.Context.instance())
    second.deny("127.0.0.1")
    with pytest.raises(ValueError):
        second.allow("127.0.0.2")


# -- PLAIN ---------------------------------------------------------------------------------------


def plain_client(server: Server, user: bytes, password: bytes) -> zmq.Socket:
    return server.client(plain_username=user, plain_password=password)


def test_plain_good_password(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.configure_plain("*", {"admin": "s3cret", "guest": "guest"})
    server = Server(ctx, plain_server=True)
    frame = server.expect_accepted(plain_client(server, b"admin", b"s3cret"))
    # The ZAP handler's User-Id travels with every message of that client.
    assert frame.get("User-Id") == "admin"


def test_plain_bad_password(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.configure_plain("*", {"admin": "s3cret"})
    server = Server(ctx, plain_server=True)
    server.expect_refused(plain_client(server, b"admin", b"wrong"))
    # A refusal leaves the handler serving: the right password still works afterwards.
    server.expect_accepted(plain_client(server, b"admin", b"s3cret"), b"second try")


def test_plain_unknown_user(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.configure_plain("*", {"admin": "s3cret"})
    server = Server(ctx, plain_server=True)
    server.expect_refused(plain_client(server, b"mallory", b"s3cret"))


def test_plain_without_passwords(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    server = Server(ctx, plain_server=True)
    server.expect_refused(plain_client(server, b"admin", b"s3cret"))


def test_plain_domains(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.configure_plain("staff", {"admin": "s3cret"})
    in_domain = Server(ctx, plain_server=True, zap_domain=b"staff")
    in_domain.expect_accepted(plain_client(in_domain, b"admin", b"s3cret"))
    # Passwords of another domain do not apply to sockets without a ZAP domain ("*").
    default = Server(ctx, plain_server=True)
    default.expect_refused(plain_client(default, b"admin", b"s3cret"))


def test_plain_address_check_comes_first(ctx: zmq.Context, auth: ThreadAuthenticator) -> None:
    auth.allow("192.0.2.1")
    auth.configure_plain("*", {"admin": "s3cret"})
    server = Server(ctx, plain_server=True)
    server.expect_refused(plain_client(server, b"admin", b"s3cret"))


# -- CURVE ---------------------------------------------------------------------------------------


@pytest.fixture
def certs(tmp_path: Any) -> Dict[str, Any]:
    """Server and client certificates; only the client's public one is in `public_dir`."""
    public_dir, private_dir = tmp_path / "public", tmp_path / "private"
    public_dir.mkdir()
    private_dir.mkdir()
    server_public, server_secret = create_certificates(str(private_dir), "server")
    client_public, client_secret = create_certificates(str(private_dir), "client")
    os.replace(client_public, public_dir / "client.key")
    return {
        "public_dir": str(public_dir),
        "server": load_certificate(server_secret),
        "client": load_certificate(client_secret),
    }


def curve_server(ctx: zmq.Context, certs: Dict[str, Any]) -> Server:
    public, secret = certs["server"]
    return Server(ctx, curve_server=True, curve_publickey=public, curve_secretkey=secret)


def curve_client(server: Server, certs: Dict[str, Any], keys: Optional[tuple] = None) -> zmq.Socket:
    public, secret = keys or certs["client"]
    return server.client(curve_serverkey=certs["server"][0], curve_publickey=public, curve_secretkey=secret)


def test_curve_certificate_directory(ctx: zmq.Context, auth: ThreadAuthenticator, certs: Dict[str, Any]) -> None:
    auth.configure_curve(domain="*", location=certs["public_dir"])
    server = curve_server(ctx, certs)
    frame = server.expect_accepted(curve_client(server, certs))
    # The default User-Id of a CURVE client is its public key in Z85.
    assert frame.get("User-Id") == certs["client"][0].decode("ascii")


def test_curve_unknown_key_is_refused(ctx: zmq.Context, auth: ThreadAuthenticator, certs: Dict[str, Any]) -> None:
    auth.configure_curve(domain="*", location=certs["public_dir"])
    server = curve_server(ctx, certs)
    server.expect_refused(curve_client(server, certs, zmq.curve_keypair()))


def test_curve_allow_any(ctx: zmq.Context, auth: ThreadAuthenticator, certs: Dict[str, Any]) -> None:
    auth.configure_curve(domain="*", location=CURVE_ALLOW_ANY)
    assert auth.allow_any is True
    server = curve_server(ctx, certs)
    server.expect_accepted(curve_client(server, certs, zmq.curve_keypair()))


def test_curve_directory_is_reread_on_configure(
    ctx: zmq.Context, auth: ThreadAuthenticator, certs: Dict[str, Any]
) -> None:
    auth.configure_curve(location=certs["public_dir"])
    server = curve_server(ctx, certs)
    newcomer_public, newcomer_secret = create_certificates(certs["public_dir"], "newcomer")
    newcomer = load_certificate(newcomer_secret)
    os.remove(newcomer_secret)
    server.expect_refused(curve_client(server, certs, newcomer))
    auth.configure_curve(location=certs["public_dir"])
    server.expect_accepted(curve_client(server, certs, newcomer))


def test_curve_no_policy_refuses(ctx: zmq.Context, auth: ThreadAuthenticator, certs: Dict[str, Any]) -> None:
    server = curve_server(ctx, certs)
    server.expect_refused(curve_client(server, certs))


class KeyRing:
    """A credentials provider: accepts the Z85 keys it holds, and records what it was asked."""

    def __init__(self, *keys: bytes) -> None:
        self.keys = set(keys)
        self.asked: List[tuple] = []

    def callback(self, domain: str, key: bytes) -> bool:
        self.asked.append((domain, key))
        return key in self.keys


class AsyncKeyRing(KeyRing):
    async def callback(self, domain: str, key: bytes) -> bool:  # type: ignore[override]
        await asyncio.sleep(0)
        return KeyRing.callback(self, domain, key)


@pytest.mark.parametrize("ring_class", [KeyRing, AsyncKeyRing])
def test_curve_callback(ctx: zmq.Context, auth: ThreadAuthenticator, certs: Dict[str, Any], ring_class: type) -> None:
    ring = ring_class(certs["client"][0])
    auth.configure_curve_callback("*", credentials_provider=ring)
    server = curve_server(ctx, certs)
    server.expect_accepted(curve_client(server, certs))
    stranger = zmq.curve_keypair()
    server.expect_refused(curve_client(server, certs, stranger))
    assert ring.asked == [("*", certs["client"][0]), ("*", stranger[0])]


def test_failing_callback_refuses_with_500_and_keeps_serving(
    ctx: zmq.Context, auth: ThreadAuthenticator, certs: Dict[str, Any]
) -> None:
    class Broken:
        def callback(self, domain: str, key: bytes) -> bool:
            raise RuntimeError("database down")

    auth.configure_curve_callback("*", credentials_provider=Broken())
    server = curve_server(ctx, certs)
    server.expect_refused(curve_client(server, certs), status=500)
    auth.configure_curve("*", CURVE_ALLOW_ANY)
    server.expect_accepted(curve_client(server, certs))


def test_custom_curve_user_id(ctx: zmq.Context, certs: Dict[str, Any]) -> None:
    class Named(ThreadAuthenticator):
        def curve_user_id(self, client_public_key: bytes) -> str:
            return "user-" + z85.encode(client_public_key)[:5].decode()

    authenticator = Named(ctx)
    authenticator.start()
    try:
        authenticator.configure_curve("*", CURVE_ALLOW_ANY)
        server = curve_server(ctx, certs)
        frame = server.expect_accepted(curve_client(server, certs))
        assert frame.get("User-Id") == "user-" + certs["client"][0][:5].decode()
    finally:
        authenticator.stop()


# -- the Authenticator core and its thread -----------------------------------------------------


def test_thread_authenticator_lifecycle(ctx: zmq.Context) -> None:
    first = ThreadAuthenticator(ctx)
    assert not first.is_alive()
    first.start()
    try:
        assert first.is_alive()
        # One ZAP handler per context: the endpoint is taken.
        second = ThreadAuthenticator(ctx)
        with pytest.raises(zmq.ZMQError) as info:
            second.start()
        assert info.value.errno == zmq.EADDRINUSE
    finally:
        first.stop()
    assert not first.is_alive() and first.zap_socket is None
    first.stop()
    # Once stopped, another handler can take over.
    third = ThreadAuthenticator(ctx)
    third.start()
    try:
        server = Server(ctx, zap_domain=b"global")
        server.expect_accepted(server.client())
    finally:
        third.stop()


def test_stop_after_context_terminated() -> None:
    context = zmq.Context()
    authenticator = ThreadAuthenticator(context)
    authenticator.start()
    thread = authenticator.thread
    assert thread is not None
    # The auth thread sees ETERM and ends; stop() then only has to close its sockets, after
    # which term() can finish.
    import threading

    terminator = threading.Thread(target=context.term, daemon=True)
    terminator.start()
    thread.join(TIMEOUT_MS / 1000)
    assert not thread.is_alive()
    authenticator.stop()
    terminator.join(TIMEOUT_MS / 1000)
    assert not terminator.is_alive() and context.closed


def _zap_request(*frames: bytes) -> List[bytes]:
    return list(frames)


def test_authenticator_core_replies(ctx: zmq.Context) -> None:
    """Drive the Authenticator by hand, as libzmq would, over its real REP socket."""
    core = Authenticator(ctx)
    core.configure_plain("*", {"admin": "s3cret"})
    core.start()
    try:
        assert core.zap_socket is not None
        zap = _socket(ctx, zmq.REQ)
        zap.connect("inproc://zeromq.zap.01")

        def ask(*frames: bytes) -> List[bytes]:
            zap.send_multipart(list(frames))
            assert core.zap_socket is not None and core.zap_socket.poll(TIMEOUT_MS)
            asyncio.run(core.handle_zap_message(core.zap_socket.recv_multipart()))
            return zap.recv_multipart()

        base = [b"1.0", b"req-1", b"", b"127.0.0.1", b""]
        assert ask(*base, b"PLAIN", b"admin", b"s3cret") == [b"1.0", b"req-1", b"200", b"OK", b"admin", b""]
        assert ask(*base, b"PLAIN", b"admin", b"nope") == [b"1.0", b"req-1", b"400", b"Invalid password", b"", b""]
        assert ask(*base, b"PLAIN", b"admin")[2:4] == [b"400", b"Invalid credentials"]
        assert ask(*base, b"NULL") == [b"1.0", b"req-1", b"200", b"OK", b"anonymous", b""]
        assert ask(b"2.0", *base[1:], b"NULL")[2:4] == [b"400", b"Invalid version"]
        # Too short to be a request: still answered, so the REP socket stays usable.
        assert ask(b"1.0", b"req-2")[1:4] == [b"req-2", b"400", b"Not enough frames"]
        assert ask(*base, b"NULL")[2] == b"200"
        zap.close()
    finally:
        core.stop()
    assert core.zap_socket is None


# -- certificates --------------------------------------------------------------------------------


def test_create_and_load_certificates(tmp_path: Any) -> None:
    public_file, secret_file = create_certificates(tmp_path, "alice", metadata={"name": "Alice", "team": "ops"})
    assert public_file == str(tmp_path / "alice.key")
    assert secret_file == str(tmp_path / "alice.key_secret")
    public, no_secret = load_certificate(public_file)
    public_again, secret = load_certificate(secret_file)
    assert no_secret is None and public == public_again
    assert len(public) == 40 and secret is not None and len(secret) == 40
    assert zmq.curve_public(secret) == public
    # The secret file is private to its owner; the public one is readable.
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    text = open(secret_file, encoding="utf-8").read()
    assert 'name = "Alice"' in text and 'team = "ops"' in text

    create_certificates(str(tmp_path), "bob")
    keys = load_certificates(tmp_path)
    assert set(keys) == {public, load_certificate(tmp_path / "bob.key")[0]}
    assert all(value is True for value in keys.values())


def test_load_certificate_errors(tmp_path: Any) -> None:
    with pytest.raises(OSError):
        load_certificate(tmp_path / "missing.key")
    empty = tmp_path / "empty.key"
    empty.write_text("metadata\ncurve\n")
    with pytest.raises(ValueError):
        load_certificate(empty)
    with pytest.raises(OSError):
        load_certificates(tmp_path / "no-such-dir")


def test_load_certificate_reads_czmq_style_files(tmp_path: Any) -> None:
    public, secret = zmq.curve_keypair()
    cert = tmp_path / "peer.key_secret"
    cert.write_bytes(
        b"#   comment = not a key\n\nmetadata\n    public-key-note = x\ncurve\n"
        b"    public-key = '" + public + b"'\n\tsecret-key=\"" + secret + b'"\n'
    )
    assert load_certificate(cert) == (public, secret)


def test_bad_certificate_directory_is_logged_not_raised(tmp_path: Any, caplog: Any) -> None:
    core = Authenticator(zmq.Context.instance())
    core.configure_curve("*", str(tmp_path / "no-such-dir"))
    assert "*" not in core.certs
    assert any("Failed to load CURVE certs" in r.getMessage() for r in caplog.records)


# -- asyncio -------------------------------------------------------------------------------------


def _authenticator_class(name: str) -> type:
    if name == "AsyncioAuthenticator":
        from zmq_cffi.auth.asyncio import AsyncioAuthenticator

        return AsyncioAuthenticator
    # The deprecated tornado name: a warning on import, the same handler underneath.
    with pytest.warns(DeprecationWarning):
        import zmq_cffi.auth.ioloop as ioloop

        importlib.reload(ioloop)
    return ioloop.IOLoopAuthenticator


@pytest.mark.parametrize("class_name", ["AsyncioAuthenticator", "IOLoopAuthenticator"])
def test_asyncio_authenticator_plain(class_name: str) -> None:
    import zmq_cffi.asyncio as zmq_asyncio

    authenticator_class = _authenticator_class(class_name)

    async def scenario() -> None:
        context = zmq_asyncio.Context()
        authenticator = authenticator_class(context)
        authenticator.start()
        authenticator.configure_plain("*", {"admin": "s3cret"})
        server = context.socket(zmq.PULL)
        server.linger = 0
        server.plain_server = True
        port = server.bind_to_random_port("tcp://127.0.0.1")
        monitor = server.get_monitor_socket(_DONE | _FAILED)
        sockets = [server, monitor]
        try:
            bad = context.socket(zmq.PUSH)
            sockets.append(bad)
            bad.linger = 0
            bad.plain_username, bad.plain_password = b"admin", b"wrong"
            bad.connect(f"tcp://127.0.0.1:{port}")
            await bad.send(b"never")
            event = await asyncio.wait_for(recv_monitor_message(monitor), TIMEOUT_MS / 1000)
            assert event["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH and event["value"] == 400

            good = context.socket(zmq.PUSH)
            sockets.append(good)
            good.linger = 0
            good.plain_username, good.plain_password = b"admin", b"s3cret"
            good.connect(f"tcp://127.0.0.1:{port}")
            await good.send(b"welcome")
            event = await asyncio.wait_for(recv_monitor_message(monitor), TIMEOUT_MS / 1000)
            assert event["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED
            frame = await asyncio.wait_for(server.recv(copy=False), TIMEOUT_MS / 1000)
            assert frame.bytes == b"welcome" and frame.get("User-Id") == "admin"
        finally:
            authenticator.stop()
            for sock in sockets:
                sock.close()
            context.term()

    asyncio.run(scenario())


def test_asyncio_authenticator_curve(certs: Dict[str, Any]) -> None:
    import zmq_cffi.asyncio as zmq_asyncio
    from zmq_cffi.auth.asyncio import AsyncioAuthenticator

    async def scenario() -> None:
        context = zmq_asyncio.Context()
        authenticator = AsyncioAuthenticator(context)
        authenticator.start()
        ring = AsyncKeyRing(certs["client"][0])
        authenticator.configure_curve_callback("*", ring)
        public, secret = certs["server"]
        server = context.socket(zmq.PULL)
        server.linger = 0
        server.curve_server = True
        server.curve_publickey, server.curve_secretkey = public, secret
        port = server.bind_to_random_port("tcp://127.0.0.1")
        client = context.socket(zmq.PUSH)
        client.linger = 0
        client.curve_serverkey = public
        client.curve_publickey, client.curve_secretkey = certs["client"]
        client.connect(f"tcp://127.0.0.1:{port}")
        try:
            await client.send(b"encrypted")
            assert await asyncio.wait_for(server.recv(), TIMEOUT_MS / 1000) == b"encrypted"
            assert ring.asked == [("*", certs["client"][0])]
        finally:
            authenticator.stop()
            client.close()
            server.close()
            context.term()

    asyncio.run(scenario())
