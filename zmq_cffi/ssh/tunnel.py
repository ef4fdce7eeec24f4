"""Connect zmq sockets through SSH tunnels, with the ssh command (via pexpect) or paramiko.

    tunnel_connection(sock, "tcp://10.0.0.5:5555", "me@gateway.example.org")

forwards a free local port through the SSH server to 10.0.0.5:5555 (as seen from the
server) and connects `sock` to it. pexpect (for OpenSSH, the default except on Windows) and
paramiko are optional: only the functions that use one of them need it installed, and they
raise ImportError naming the package otherwise.
"""
from __future__ import annotations

import atexit
import importlib
import os
import re
import signal
import socket
import subprocess
import sys
import warnings
from getpass import getpass, getuser
from multiprocessing import Process
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = [
    "tunnel_connection",
    "ssh_tunnel",
    "openssh_tunnel",
    "paramiko_tunnel",
    "try_passwordless_ssh",
    "open_tunnel",
    "select_random_ports",
]

# What ssh prints when it asks for a password or passphrase.
_PASSWORD_PROMPT = re.compile(rb"pass(word|phrase)", re.IGNORECASE)
# What ssh prints on first contact with an unknown host.
_NEW_HOST_PROMPT = "Are you sure you want to continue connecting"
# Rounds of 0.1 s that pexpect waits for ssh to prompt or finish.
_MAX_RETRY = 10


class MaxRetryExceeded(Exception):
    """ssh neither finished nor prompted within the rounds allowed."""


class _SSHExceptionFallback(Exception):
    """Raised for SSH failures when paramiko is not installed."""


def __getattr__(name: str) -> Any:
    # SSHException is paramiko's class when paramiko is installed, found only when asked
    # for, so that importing this module never imports paramiko.
    if name == "SSHException":
        return _ssh_exception_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ssh_exception_class() -> type:
    try:
        cls: type = _import_paramiko().ssh_exception.SSHException
        return cls
    except ImportError:
        return _SSHExceptionFallback


def _require(package: str, purpose: str) -> Any:
    """Import an optional package, or explain which one to install."""
    try:
        with warnings.catch_warnings():
            # paramiko's dependencies warn about deprecated ciphers on import.
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module(package)
    except ImportError as e:
        raise ImportError(
            f"{purpose} needs the '{package}' package, which is not installed "
            f"(pip install {package})"
        ) from e


def _import_paramiko(purpose: str = "paramiko tunnels") -> Any:
    return _require("paramiko", purpose)


def _import_pexpect(purpose: str = "OpenSSH tunnels") -> Any:
    return _require("pexpect", purpose)


# -- argument checks ---------------------------------------------------------------------------


def _check_port(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 < value < 65536:
        raise ValueError(f"{name} must be in 1..65535, not {value}")
    return value


def _check_server(server: Any) -> str:
    if not isinstance(server, str) or not server.strip():
        raise ValueError(f"server must be a non-empty str like 'user@host:port', not {server!r}")
    return server.strip()


def _split_server(server: str) -> Tuple[str, str, int]:
    """'user@host:port' -> (user, host, port), defaulting to the local user and port 22."""
    username, at, hostport = server.rpartition("@")
    if not at:
        username = getuser()
    host, colon, port = hostport.partition(":")
    if not host:
        raise ValueError(f"no host in server {server!r}")
    if not colon:
        return username, host, 22
    try:
        return username, host, _check_port(int(port), "ssh port")
    except ValueError:
        raise ValueError(f"invalid ssh port in server {server!r}") from None


def _split_tcp_url(addr: str) -> Tuple[str, int]:
    """'tcp://host:port' -> (host, port); only tcp endpoints can go through a tunnel."""
    if not isinstance(addr, str):
        raise TypeError(f"addr must be a str like 'tcp://host:port', not {type(addr).__name__}")
    transport, sep, rest = addr.partition("://")
    if not sep or transport != "tcp":
        raise ValueError(f"only tcp:// addresses can be tunneled, not {addr!r}")
    host, colon, port = rest.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise ValueError(f"addr must be 'tcp://host:port' with a numeric port, not {addr!r}")
    return host.strip("[]"), _check_port(int(port), "port")


# -- ports and passwordless login ---------------------------------------------------------------


def select_random_ports(n: int) -> List[int]:
    """`n` distinct TCP ports that are free on this machine right now.

    All n are held open together while choosing, so none repeats; they are released before
    returning, so another program could still take one before you bind it."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, not {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    held: List[socket.socket] = []
    try:
        for _ in range(n):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(sock)
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


def try_passwordless_ssh(server: str, keyfile: Optional[str], paramiko: Optional[bool] = None) -> bool:
    """Whether an SSH login to `server` works without a password (key or agent).

    With paramiko=None, paramiko is used on Windows and the ssh command elsewhere."""
    server = _check_server(server)
    if paramiko is None:
        paramiko = sys.platform == "win32"
    if paramiko:
        return _try_passwordless_paramiko(server, keyfile)
    return _try_passwordless_openssh(server, keyfile)


def _ssh_env() -> Dict[str, str]:
    env = os.environ.copy()
    # A graphical askpass helper would grab the prompt that pexpect watches for.
    env.pop("SSH_ASKPASS", None)
    return env


def _try_passwordless_openssh(server: str, keyfile: Optional[str]) -> bool:
    pexpect = _import_pexpect("try_passwordless_ssh with OpenSSH")
    args = ["-f", server]
    if keyfile:
        args += ["-i", keyfile]
    args.append("exit")
    child = pexpect.spawn("ssh", args, env=_ssh_env())
    try:
        for _ in range(_MAX_RETRY):
            try:
                prompt = child.expect([_NEW_HOST_PROMPT, _PASSWORD_PROMPT], timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                return True
            if prompt == 0:
                raise _ssh_exception_class()("The authenticity of the host can't be established.")
            return False
    finally:
        child.close(force=True)
    raise MaxRetryExceeded(f"Failed after {_MAX_RETRY} attempts")


def _try_passwordless_paramiko(server: str, keyfile: Optional[str]) -> bool:
    paramiko = _import_paramiko("try_passwordless_ssh with paramiko")
    username, host, port = _split_server(server)
    client = paramiko.SSHClient()
    try:
        client.load_host_keys(os.path.expanduser("~/.ssh/known_hosts"))
    except FileNotFoundError:
        pass
    # Same switch as pyzmq: e.g. PYZMQ_PARAMIKO_HOST_KEY_POLICY=AutoAdd.
    policy = os.environ.get("PYZMQ_PARAMIKO_HOST_KEY_POLICY")
    if policy:
        client.set_missing_host_key_policy(getattr(paramiko, f"{policy}Policy")())
    try:
        client.connect(host, port, username=username, key_filename=keyfile, look_for_keys=True)
    except paramiko.AuthenticationException:
        return False
    client.close()
    return True


# -- tunnels -----------------------------------------------------------------------------------


def tunnel_connection(
    socket: Any,
    addr: str,
    server: str,
    keyfile: Optional[str] = None,
    password: Optional[str] = None,
    paramiko: Optional[bool] = None,
    timeout: int = 60,
) -> Union[Process, int]:
    """Connect a zmq `socket` to `addr` ('tcp://host:port' as seen from `server`) through an
    SSH tunnel to `server` ('[user@]host[:port]'); returns the tunnel (see open_tunnel)."""
    url, tunnel = open_tunnel(addr, server, keyfile=keyfile, password=password, paramiko=paramiko, timeout=timeout)
    socket.connect(url)
    return tunnel


def open_tunnel(
    addr: str,
    server: str,
    keyfile: Optional[str] = None,
    password: Optional[str] = None,
    paramiko: Optional[bool] = None,
    timeout: int = 60,
) -> Tuple[str, Union[Process, int]]:
    """Open a tunnel from a free local port to `addr` through `server`.

    Returns (local_url, tunnel): connect to local_url; tunnel is the ssh process id
    (OpenSSH) or the multiprocessing.Process running the paramiko tunnel."""
    remote_ip, remote_port = _split_tcp_url(addr)
    server = _check_server(server)
    if paramiko is None:
        paramiko = sys.platform == "win32"
    make = paramiko_tunnel if paramiko else openssh_tunnel
    local_port = select_random_ports(1)[0]
    tunnel = make(
        local_port, remote_port, server, remoteip=remote_ip, keyfile=keyfile, password=password, timeout=timeout
    )
    return f"tcp://127.0.0.1:{local_port}", tunnel


def _ssh_base(server: str, keyfile: Optional[str]) -> Tuple[List[str], str]:
    """The ssh options for `server` ('[user@]host[:port]') and the destination argument."""
    options: List[str] = []
    if keyfile:
        options += ["-i", keyfile]
    destination, colon, port = server.rpartition(":")
    if colon and port.isdigit():
        options += ["-p", port]
    else:
        destination = server
    return options, destination


def _forward_spec(lport: int, remoteip: str, rport: int) -> str:
    # ssh wants IPv6 hosts in brackets inside -L specifications.
    host = f"[{remoteip}]" if ":" in remoteip else remoteip
    return f"127.0.0.1:{lport}:{host}:{rport}"


def openssh_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str = "127.0.0.1",
    keyfile: Optional[str] = None,
    password: Optional[str] = None,
    timeout: int = 60,
) -> int:
    """Forward 127.0.0.1:lport here to remoteip:rport as seen from `server`, with the ssh
    command; returns the pid of the ssh process that carries the tunnel.

    An ssh control master already connected to `server` is reused. Otherwise a new ssh
    process runs in the background; it exits once the tunnel has been unused for `timeout`
    seconds after the first connection. The password is asked for (getpass) when needed and
    `password` is None. Needs pexpect."""
    lport = _check_port(lport, "lport")
    rport = _check_port(rport, "rport")
    server = _check_server(server)
    pexpect = _import_pexpect("openssh_tunnel")
    options, destination = _ssh_base(server, keyfile)
    spec = _forward_spec(lport, remoteip, rport)

    # First choice: a running control master (ControlMaster in ~/.ssh/config) takes the
    # forward without a new login.
    check = subprocess.run(
        ["ssh", *options, "-O", "check", destination], capture_output=True, env=_ssh_env(), timeout=30
    )
    if check.returncode == 0:
        found = re.search(rb"\(pid=(\d+)\)", check.stdout + check.stderr)
        forward = ["ssh", *options, "-O", "forward", "-L", spec, destination]
        if found and subprocess.run(forward, capture_output=True, env=_ssh_env(), timeout=30).returncode == 0:
            cancel = ["ssh", *options, "-O", "cancel", "-L", spec, destination]
            atexit.register(subprocess.run, cancel, capture_output=True, timeout=30)
            return int(found.group(1))

    args = [*options, "-f", "-S", "none", "-L", spec, destination, "sleep", str(int(timeout))]
    tunnel = pexpect.spawn("ssh", args, env=_ssh_env())
    password_sent = False
    for _ in range(_MAX_RETRY):
        try:
            prompt = tunnel.expect([_NEW_HOST_PROMPT, _PASSWORD_PROMPT], timeout=0.1)
        except pexpect.TIMEOUT:
            continue
        except pexpect.EOF:
            tunnel.close()
            if tunnel.exitstatus:
                raise RuntimeError(
                    f"ssh tunnel to {server} failed to start (exit status {tunnel.exitstatus}): "
                    f"{tunnel.before!r}"
                )
            return int(tunnel.pid)
        if prompt == 0:
            raise _ssh_exception_class()("The authenticity of the host can't be established.")
        if password_sent:
            print("Password rejected, try again")
            password = None
        if password is None:
            password = getpass(f"{server}'s password: ")
        tunnel.sendline(password)
        password_sent = True
    raise MaxRetryExceeded(f"Failed after {_MAX_RETRY} attempts")


def paramiko_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str = "127.0.0.1",
    keyfile: Optional[str] = None,
    password: Optional[str] = None,
    timeout: int = 60,
) -> Process:
    """Forward 127.0.0.1:lport here to remoteip:rport as seen from `server`, with paramiko,
    in a daemon child process (returned; terminate() it to close the tunnel).

    For systems without the ssh command (Windows). `timeout` is accepted for symmetry with
    openssh_tunnel and not used. Needs paramiko."""
    lport = _check_port(lport, "lport")
    rport = _check_port(rport, "rport")
    server = _check_server(server)
    _split_server(server)
    _import_paramiko("paramiko_tunnel")
    if password is None and not _try_passwordless_paramiko(server, keyfile):
        password = getpass(f"{server}'s password: ")
    process = Process(
        target=_run_paramiko_tunnel,
        args=(lport, rport, server, remoteip),
        kwargs={"keyfile": keyfile, "password": password},
        daemon=True,
    )
    process.start()
    return process


def _run_paramiko_tunnel(
    lport: int, rport: int, server: str, remoteip: str, keyfile: Optional[str] = None, password: Optional[str] = None
) -> None:
    """Body of the paramiko tunnel process: log in, then forward until killed."""
    from zmq_cffi.ssh.forward import forward_tunnel

    paramiko = _import_paramiko()
    username, host, port = _split_server(server)
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.WarningPolicy())
    try:
        client.connect(host, port, username=username, key_filename=keyfile, look_for_keys=True, password=password)
    except Exception as e:
        print(f"*** Failed to connect to {host}:{port}: {e!r}")
        sys.exit(1)
    # Ctrl-C in the parent's terminal must not kill the tunnel under the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forward_tunnel(lport, remoteip, rport, client.get_transport())
    except Exception as e:
        print(f"Port forwarding stopped uncleanly: {e!r}")
        sys.exit(255)


#: The default tunnel maker of this platform.
ssh_tunnel = paramiko_tunnel if sys.platform == "win32" else openssh_tunnel
