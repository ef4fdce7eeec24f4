"""The ZAP handler (ZeroMQ RFC 27): decides which peers may connect to this context's servers.

libzmq asks the handler bound at inproc://zeromq.zap.01 in the same context about every
incoming connection of a socket that uses PLAIN, CURVE or GSSAPI, or NULL with a ZAP domain
set. The Authenticator answers from its address lists, passwords and CURVE keys.
"""
from __future__ import annotations

import inspect
import logging
import os
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from zmq_cffi import constants
from zmq_cffi.auth.certs import load_certificates
from zmq_cffi.context import Context
from zmq_cffi.error import ZMQError
from zmq_cffi.socket import Socket
from zmq_cffi.utils import z85

__all__ = ["Authenticator", "CURVE_ALLOW_ANY"]

#: Pass as `location` to configure_curve to accept any client key (only encryption, no
#: authentication of clients).
CURVE_ALLOW_ANY = "*"
#: The ZAP protocol version this handler speaks.
VERSION = b"1.0"
#: Where libzmq sends ZAP requests (fixed by RFC 27).
ZAP_ENDPOINT = "inproc://zeromq.zap.01"


class Authenticator:
    """Answers ZAP requests for one context; you deliver the requests to it.

    `start()` binds `zap_socket`; then each request read from it goes to
    `await handle_zap_message(frames)`. ThreadAuthenticator (zmq_cffi.auth.thread) and
    AsyncioAuthenticator (zmq_cffi.auth.asyncio) do that delivery for you.

    Policy: with no rules, NULL connections are accepted and PLAIN/CURVE ones refused.
    `allow(...)` (only these IPs) or `deny(...)` (all but these IPs) filter by address first;
    PLAIN then checks `configure_plain` passwords and CURVE the keys of `configure_curve`.
    """

    context: Context
    encoding: str
    #: True after configure_curve(domain, CURVE_ALLOW_ANY): any CURVE client key passes.
    allow_any: bool
    #: {domain: object with callback(domain, z85_key) -> bool (or awaitable bool)}.
    credentials_providers: Dict[str, Any]
    zap_socket: Optional[Socket]
    #: {domain: {username: password}} for PLAIN.
    passwords: Dict[str, Dict[str, str]]
    #: {domain: {z85 public key: True}} for CURVE.
    certs: Dict[str, Dict[bytes, Any]]
    log: Any

    def __init__(self, context: Optional[Context] = None, encoding: str = "utf-8", log: Any = None) -> None:
        self.context = context if context is not None else Context.instance()
        self.encoding = encoding
        self.allow_any = False
        self.credentials_providers = {}
        self.zap_socket = None
        self._allowed: Set[str] = set()
        self._denied: Set[str] = set()
        self.passwords = {}
        self.certs = {}
        self.log = log if log is not None else logging.getLogger("zmq_cffi.auth")
        # Whether the request being handled has had its reply (a REP socket needs exactly one).
        self._replied = True

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Create `zap_socket` and bind it where libzmq sends ZAP requests.

        Only one ZAP handler can run per context: a second start() raises ZMQError(EADDRINUSE)."""
        # A plain Socket even on an asyncio context: requests are read after a poll says so.
        sock = self.context.socket(constants.REP, socket_class=Socket)
        sock.linger = 1
        try:
            sock.bind(ZAP_ENDPOINT)
        except Exception:
            sock.close()
            raise
        self.zap_socket = sock
        self.log.debug("ZAP handler started")

    def stop(self) -> None:
        """Close `zap_socket`; connections needing ZAP are refused until a new start()."""
        sock, self.zap_socket = self.zap_socket, None
        if sock is None or sock.closed:
            return
        try:
            # Unbinding frees the inproc endpoint at once (close alone frees it later, in
            # libzmq's reaper), so a new handler can start right after.
            sock.unbind(ZAP_ENDPOINT)
        except ZMQError:
            # The context is already terminated: closing is all that is left.
            pass
        sock.close()

    # -- policy -----------------------------------------------------------------------------

    def allow(self, *addresses: str) -> None:
        """Accept connections only from these IP addresses (PLAIN/CURVE must still pass their
        check). Cannot be mixed with deny()."""
        if self._denied:
            raise ValueError("Only use allow or deny, not both")
        self.log.debug("Allowing %s", ",".join(addresses))
        self._allowed.update(addresses)

    def deny(self, *addresses: str) -> None:
        """Refuse connections from these IP addresses; others go on to the mechanism check.
        Cannot be mixed with allow()."""
        if self._allowed:
            raise ValueError("Only use allow or deny, not both")
        self.log.debug("Denying %s", ",".join(addresses))
        self._denied.update(addresses)

    def configure_plain(self, domain: str = "*", passwords: Optional[Dict[str, str]] = None) -> None:
        """Accept PLAIN clients of ZAP `domain` ("*": sockets without a ZAP domain) whose
        username/password is in `passwords` ({username: password}); replaces earlier ones."""
        if passwords:
            self.passwords[domain] = passwords
        self.log.debug("Configure plain: %s", domain)

    def configure_curve(self, domain: str = "*", location: Union[str, "os.PathLike[str]"] = ".") -> None:
        """Accept CURVE clients of `domain` whose public key has a `*.key` certificate in the
        directory `location` (read now: call again after changing the directory).

        With location=CURVE_ALLOW_ANY, any client key is accepted. A directory that cannot be
        read is logged as an error and leaves the domain without keys."""
        self.log.debug("Configure curve: %s[%s]", domain, location)
        if location == CURVE_ALLOW_ANY:
            self.allow_any = True
            return
        self.allow_any = False
        try:
            self.certs[domain] = load_certificates(location)
        except Exception as e:
            self.log.error("Failed to load CURVE certs from %s: %s", location, e)

    def configure_curve_callback(self, domain: str = "*", credentials_provider: Any = None) -> None:
        """Decide on CURVE clients of `domain` by calling
        `credentials_provider.callback(domain, z85_public_key)`, which returns a bool (or an
        awaitable of one)."""
        self.allow_any = False
        if credentials_provider is None:
            self.log.error("None credentials_provider provided for domain:%s", domain)
            return
        self.credentials_providers[domain] = credentials_provider

    def configure_gssapi(self, domain: str = "*", location: Optional[str] = None) -> None:
        """GSSAPI needs no configuration here: libzmq and Kerberos do the checking."""

    def curve_user_id(self, client_public_key: bytes) -> str:
        """The User-Id given to an accepted CURVE client: its key in Z85 text. Override this
        to map keys to your own user names."""
        return z85.encode(client_public_key).decode("ascii")

    # -- requests ---------------------------------------------------------------------------

    def _address_verdict(self, address: str) -> Tuple[bool, bool, bytes]:
        """(allowed, denied, reason) from the address lists alone."""
        if self._allowed:
            if address in self._allowed:
                self.log.debug("PASSED (allowed) address=%s", address)
                return True, False, b"NO ACCESS"
            self.log.debug("DENIED (not allowed) address=%s", address)
            return False, True, b"Address not allowed"
        if self._denied:
            if address in self._denied:
                self.log.debug("DENIED (denied) address=%s", address)
                return False, True, b"Address denied"
            self.log.debug("PASSED (not denied) address=%s", address)
            return True, False, b"NO ACCESS"
        return False, False, b"NO ACCESS"

    async def handle_zap_message(self, msg: List[bytes]) -> None:
        """Answer one ZAP request (the frames read from zap_socket) with one reply."""
        if len(msg) < 6:
            self.log.error("Invalid ZAP message, not enough frames: %r", msg)
            # A REP socket must answer even this; libzmq itself never sends such requests.
            self._send_zap_reply(msg[1] if len(msg) >= 2 else b"", b"400", b"Not enough frames")
            return
        version, request_id, raw_domain, raw_address, identity, mechanism = msg[:6]
        credentials = msg[6:]
        domain = raw_domain.decode(self.encoding, "replace")
        address = raw_address.decode(self.encoding, "replace")
        if version != VERSION:
            self.log.error("Invalid ZAP version: %r", msg)
            self._send_zap_reply(request_id, b"400", b"Invalid version")
            return
        self.log.debug(
            "ZAP request: domain=%r address=%r identity=%r mechanism=%r",
            domain, address, identity, mechanism,
        )

        allowed, denied, reason = self._address_verdict(address)
        user_id = "anonymous"
        if not denied:
            if mechanism == b"NULL":
                # NULL has no credentials: not being denied by address is enough.
                allowed = True
            elif mechanism == b"PLAIN":
                # An allowed address must still present a good password.
                if len(credentials) != 2:
                    self.log.error("Invalid PLAIN credentials: %r", credentials)
                    self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                    return
                username, password = (c.decode(self.encoding, "replace") for c in credentials)
                allowed, reason = self._authenticate_plain(domain, username, password)
                user_id = username
            elif mechanism == b"CURVE":
                if len(credentials) != 1:
                    self.log.error("Invalid CURVE credentials: %r", credentials)
                    self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                    return
                key = credentials[0]
                allowed, reason = await self._authenticate_curve(domain, key)
                if allowed:
                    user_id = self.curve_user_id(key)
            elif mechanism == b"GSSAPI":
                if len(credentials) != 1:
                    self.log.error("Invalid GSSAPI credentials: %r", credentials)
                    self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                    return
                principal = credentials[0]
                user_id = principal.decode("utf-8", "replace")
                allowed, reason = self._authenticate_gssapi(domain, principal)

        if allowed:
            self._send_zap_reply(request_id, b"200", b"OK", user_id)
        else:
            self._send_zap_reply(request_id, b"400", reason)

    def _authenticate_plain(self, domain: str, username: str, password: str) -> Tuple[bool, bytes]:
        """Check a PLAIN username/password; returns (allowed, reason)."""
        if not self.passwords:
            self.log.debug("DENIED (PLAIN) No passwords defined")
            return False, b"No passwords defined"
        # Sockets without a ZAP domain use the default domain.
        domain = domain or "*"
        users = self.passwords.get(domain)
        if users is None:
            reason = b"Invalid domain"
        elif username not in users:
            reason = b"Invalid username"
        elif users[username] != password:
            reason = b"Invalid password"
        else:
            self.log.debug("ALLOWED (PLAIN) domain=%s username=%s", domain, username)
            return True, b"OK"
        self.log.debug("DENIED (PLAIN) %s", reason)
        return False, reason

    async def _authenticate_curve(self, domain: str, client_key: bytes) -> Tuple[bool, bytes]:
        """Check a CURVE client's public key (32 raw bytes); returns (allowed, reason)."""
        if self.allow_any:
            self.log.debug("ALLOWED (CURVE allow any client)")
            return True, b"OK"
        domain = domain or "*"
        z85_key = z85.encode(client_key)
        if self.credentials_providers:
            provider = self.credentials_providers.get(domain)
            if provider is None:
                return False, b"Unknown domain"
            verdict = provider.callback(domain, z85_key)
            if inspect.isawaitable(verdict):
                verdict = await verdict
            allowed = bool(verdict)
        else:
            keys = self.certs.get(domain)
            if keys is None:
                return False, b"Unknown domain"
            allowed = bool(keys.get(z85_key))
        self.log.debug(
            "%s (CURVE) domain=%s client_key=%s", "ALLOWED" if allowed else "DENIED", domain, z85_key
        )
        return (True, b"OK") if allowed else (False, b"Unknown key")

    def _authenticate_gssapi(self, domain: str, principal: bytes) -> Tuple[bool, bytes]:
        """GSSAPI principals were already checked by libzmq: accept them."""
        self.log.debug("ALLOWED (GSSAPI) domain=%s principal=%s", domain, principal)
        return True, b"OK"

    def _send_zap_reply(
        self, request_id: bytes, status_code: bytes, status_text: bytes, user_id: Union[str, bytes] = "anonymous"
    ) -> None:
        """Send the ZAP reply: the User-Id only goes with success (200)."""
        if status_code != b"200":
            user_id = b""
        elif isinstance(user_id, str):
            user_id = user_id.encode(self.encoding, "replace")
        self.log.debug("ZAP reply code=%s text=%s", status_code, status_text)
        assert self.zap_socket is not None, "the Authenticator is not started"
        # The last frame is the metadata, which this handler does not use.
        self.zap_socket.send_multipart([VERSION, request_id, status_code, status_text, user_id, b""])
        self._replied = True

    async def _process_zap_request(self, msg: List[bytes]) -> None:
        """handle_zap_message, made safe for the REP socket: if it fails before replying, the
        client is refused with 500 instead of waiting forever and the socket stays usable."""
        self._replied = False
        try:
            await self.handle_zap_message(msg)
        except Exception:
            self.log.exception("ZAP handler failed on %r", msg)
            if not self._replied and self.zap_socket is not None and not self.zap_socket.closed:
                request_id = msg[1] if len(msg) >= 2 else b""
                self._send_zap_reply(request_id, b"500", b"Internal error")
