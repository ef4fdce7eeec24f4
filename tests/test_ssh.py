"""zmq_cffi.ssh: what runs without an SSH server: free ports, argument checks, and the
ImportError that names the missing optional package (paramiko or pexpect).

A missing package is made certain by `sys.modules[name] = None`, Python's own way of making
an import fail, so these tests hold whether or not the packages are installed.
"""
from __future__ import annotations

import socket as pysocket
import subprocess
import sys
from getpass import getuser
from typing import Any

import pytest

import zmq_cffi as zmq
from zmq_cffi import ssh
from zmq_cffi.ssh import tunnel


@pytest.fixture
def no_optional_packages(monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "paramiko", None)
    monkeypatch.setitem(sys.modules, "pexpect", None)


def test_public_names() -> None:
    for name in ("tunnel_connection", "ssh_tunnel", "openssh_tunnel", "paramiko_tunnel", "try_passwordless_ssh"):
        assert callable(getattr(ssh, name))
    assert ssh.ssh_tunnel is (tunnel.paramiko_tunnel if sys.platform == "win32" else tunnel.openssh_tunnel)
    assert issubclass(tunnel.SSHException, Exception)


def test_import_needs_neither_package() -> None:
    code = (
        "import sys\n"
        "sys.modules['paramiko'] = None\n"
        "sys.modules['pexpect'] = None\n"
        "import zmq_cffi.ssh, zmq_cffi.ssh.tunnel, zmq_cffi.ssh.forward\n"
        "print(len(zmq_cffi.ssh.select_random_ports(2)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"


def test_select_random_ports() -> None:
    ports = tunnel.select_random_ports(5)
    assert len(ports) == len(set(ports)) == 5
    assert all(isinstance(p, int) and 0 < p < 65536 for p in ports)
    # They were released: each can be bound again right away.
    holders = []
    try:
        for port in ports:
            s = pysocket.socket()
            holders.append(s)
            s.bind(("127.0.0.1", port))
    finally:
        for s in holders:
            s.close()
    assert tunnel.select_random_ports(0) == []


def test_select_random_ports_checks_n() -> None:
    with pytest.raises(ValueError):
        tunnel.select_random_ports(-1)
    with pytest.raises(TypeError):
        tunnel.select_random_ports("3")  # type: ignore[arg-type]


@pytest.mark.usefixtures("no_optional_packages")
def test_missing_paramiko_is_named() -> None:
    with pytest.raises(ImportError, match="paramiko_tunnel needs the 'paramiko' package"):
        tunnel.paramiko_tunnel(5555, 5556, "user@example.org")
    with pytest.raises(ImportError, match="'paramiko'.*pip install paramiko"):
        tunnel.try_passwordless_ssh("example.org", None, paramiko=True)


@pytest.mark.usefixtures("no_optional_packages")
def test_missing_pexpect_is_named() -> None:
    with pytest.raises(ImportError, match="openssh_tunnel needs the 'pexpect' package"):
        tunnel.openssh_tunnel(5555, 5556, "user@example.org")
    with pytest.raises(ImportError, match="'pexpect'.*pip install pexpect"):
        tunnel.try_passwordless_ssh("example.org", None, paramiko=False)


@pytest.mark.usefixtures("no_optional_packages")
@pytest.mark.parametrize("use_paramiko, package", [(True, "paramiko"), (False, "pexpect")])
def test_tunnel_connection_without_package_leaves_socket_alone(
    ctx: zmq.Context, use_paramiko: bool, package: str
) -> None:
    sock = ctx.socket(zmq.REQ)
    with pytest.raises(ImportError, match=package):
        ssh.tunnel_connection(sock, "tcp://10.0.0.5:5555", "me@gateway", paramiko=use_paramiko)
    # No tunnel, so no connect either.
    assert sock.get(zmq.LAST_ENDPOINT) == b""


@pytest.mark.parametrize(
    "addr",
    ["ipc:///tmp/sock", "inproc://name", "tcp://host", "tcp://host:port", "tcp://host:70000", "tcp://:5555", "host:5555"],
)
def test_open_tunnel_rejects_bad_addresses(addr: str) -> None:
    with pytest.raises(ValueError):
        tunnel.open_tunnel(addr, "me@gateway")


def test_open_tunnel_rejects_bad_server() -> None:
    with pytest.raises(ValueError):
        tunnel.open_tunnel("tcp://10.0.0.5:5555", "")
    with pytest.raises(TypeError):
        tunnel.open_tunnel(5555, "gateway")  # type: ignore[arg-type]


@pytest.mark.parametrize("make", [tunnel.openssh_tunnel, tunnel.paramiko_tunnel])
def test_tunnel_port_checks(make: Any) -> None:
    with pytest.raises(TypeError):
        make("5555", 5556, "gateway")
    with pytest.raises(ValueError):
        make(0, 5556, "gateway")
    with pytest.raises(ValueError):
        make(5555, 65536, "gateway")
    with pytest.raises(ValueError):
        make(5555, 5556, "   ")


def test_server_strings() -> None:
    assert tunnel._split_server("alice@host.example:2222") == ("alice", "host.example", 2222)
    assert tunnel._split_server("host.example") == (getuser(), "host.example", 22)
    assert tunnel._split_server("a@b@host") == ("a@b", "host", 22)
    with pytest.raises(ValueError):
        tunnel._split_server("host:notaport")
    with pytest.raises(ValueError):
        tunnel.paramiko_tunnel(5555, 5556, "host:99999")
    assert tunnel._ssh_base("me@gw:2200", "/k") == (["-i", "/k", "-p", "2200"], "me@gw")
    assert tunnel._forward_spec(4000, "::1", 5000) == "127.0.0.1:4000:[::1]:5000"
