"""ZAP authentication (ZeroMQ RFC 27) for the servers of a context.

Run the handler with zmq_cffi.auth.thread.ThreadAuthenticator (a background thread) or
zmq_cffi.auth.asyncio.AsyncioAuthenticator (an asyncio task); manage CURVE certificates with
create_certificates / load_certificate / load_certificates.
"""
from __future__ import annotations

from zmq_cffi.auth.base import CURVE_ALLOW_ANY, Authenticator
from zmq_cffi.auth.certs import create_certificates, load_certificate, load_certificates
from zmq_cffi.auth.thread import ThreadAuthenticator

__all__ = [
    "Authenticator",
    "CURVE_ALLOW_ANY",
    "create_certificates",
    "load_certificate",
    "load_certificates",
]
