"""zmq_cffi.curve_keygen: `python -m zmq.curve_keygen` (through the runner) and its own name."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import zmq_cffi as zmq
from zmq_cffi.run import _SHIM_DIR
from zmq_cffi.utils import z85

pytestmark = pytest.mark.skipif(not zmq.has("curve"), reason="this libzmq has no CURVE")


def keygen(*args: str, via: str = "runner") -> subprocess.CompletedProcess:
    if via == "runner":
        cmd = [sys.executable, "-m", "zmq_cffi.run", "-m", "zmq.curve_keygen", *args]
        env = None
    elif via == "child":
        # A process started by a program under the runner: the stand-in zmq package is on
        # PYTHONPATH, and `python -m zmq.curve_keygen` is what such a program runs.
        cmd = [sys.executable, "-m", "zmq.curve_keygen", *args]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([_SHIM_DIR, os.environ.get("PYTHONPATH", "")]))
    else:
        cmd = [sys.executable, "-m", "zmq_cffi.curve_keygen", *args]
        env = None
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=True)


def curve_round_trip(public: bytes, secret: bytes) -> None:
    """A CURVE server with the generated keys: a client that knows the public key gets through."""
    with zmq.Context() as ctx, ctx.socket(zmq.PUSH) as server, ctx.socket(zmq.PULL) as client:
        server.curve_server = True
        server.curve_secretkey = secret
        server.curve_publickey = public
        client.curve_serverkey = public
        client.curve_publickey, client.curve_secretkey = zmq.curve_keypair()
        for s in (server, client):
            s.linger = 0
            s.sndtimeo = s.rcvtimeo = 10_000
        port = server.bind_to_random_port("tcp://127.0.0.1")
        client.connect(f"tcp://127.0.0.1:{port}")
        server.send(b"sealed")
        assert client.recv() == b"sealed"


@pytest.mark.parametrize("via", ["runner", "child", "own-name"])
def test_help_names_the_pyzmq_command(via):
    out = keygen("-h", via=via).stdout
    assert "python3 -m zmq.curve_keygen" in out
    assert "--json" in out and "--secret" in out


def test_text_output_gives_a_working_pair():
    lines = keygen().stdout.splitlines()
    public = lines[lines.index("== CURVE PUBLIC KEY ==") + 1]
    secret = lines[lines.index("== CURVE SECRET KEY ==") + 1]
    assert len(z85.decode(public)) == len(z85.decode(secret)) == 32
    curve_round_trip(public.encode(), secret.encode())


def test_json_output_gives_a_working_pair():
    result = keygen("--json", via="child")
    assert result.stdout.endswith("\n")
    keys = json.loads(result.stdout)
    curve_round_trip(keys["public"].encode(), keys["secret"].encode())


def test_secret_gives_back_its_public_key():
    public, secret = zmq.curve_keypair()
    keys = json.loads(keygen("--secret", secret.decode(), "--json", via="own-name").stdout)
    assert keys == {"public": public.decode(), "secret": secret.decode()}
