"""CURVE certificates on disk, in the ZPL text format that czmq and pyzmq read and write.

A certificate pair is two files: `<name>.key` holds the public key (hand it out), and
`<name>.key_secret` holds both keys (keep it private; it is created readable by its owner only).
"""
from __future__ import annotations

import datetime
import glob
import os
from typing import Dict, Mapping, Optional, Tuple, Union

from zmq_cffi.backend.functions import curve_keypair

__all__ = ["create_certificates", "load_certificate", "load_certificates"]

PathLike = Union[str, "os.PathLike[str]"]

_PUBLIC_HEADER = (
    "#   ****  Generated on {when} by zmq_cffi  ****\n"
    "#   ZeroMQ CURVE Public Certificate\n"
    "#   This file may be shared: it only holds a public key. Check that a copy you receive\n"
    "#   is genuine before trusting it.\n"
    "\n"
)
_SECRET_HEADER = (
    "#   ****  Generated on {when} by zmq_cffi  ****\n"
    "#   ZeroMQ CURVE **Secret** Certificate\n"
    "#   Keep this file private: whoever reads it can act as its owner.\n"
    "\n"
)


def _text(value: Union[str, bytes]) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _write_certificate(
    path: str,
    header: str,
    public_key: bytes,
    secret_key: Optional[bytes],
    metadata: Optional[Mapping[str, str]],
    mode: int,
) -> None:
    lines = [header.format(when=datetime.datetime.now().isoformat(sep=" ", timespec="seconds"))]
    lines.append("metadata\n")
    for key, value in (metadata or {}).items():
        lines.append(f'    {_text(key)} = "{_text(value)}"\n')
    lines.append("curve\n")
    # Z85 never uses quotes, spaces or backslashes, so quoting the keys is always safe.
    lines.append(f'    public-key = "{_text(public_key)}"\n')
    if secret_key is not None:
        lines.append(f'    secret-key = "{_text(secret_key)}"\n')
    # O_CREAT's mode only applies to new files: a secret file that already exists is
    # tightened explicitly below.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.writelines(lines)
    if mode != 0o644:
        os.chmod(path, mode)


def create_certificates(
    key_dir: PathLike, name: str, metadata: Optional[Mapping[str, str]] = None
) -> Tuple[str, str]:
    """Make a new CURVE key pair and write it as `<key_dir>/<name>.key` (public) and
    `<key_dir>/<name>.key_secret` (both keys); `metadata` is written into both.

    Returns the two paths, (public_file, secret_file)."""
    public_key, secret_key = curve_keypair()
    base = os.path.join(os.fspath(key_dir), name)
    public_file = base + ".key"
    secret_file = base + ".key_secret"
    _write_certificate(public_file, _PUBLIC_HEADER, public_key, None, metadata, 0o644)
    _write_certificate(secret_file, _SECRET_HEADER, public_key, secret_key, metadata, 0o600)
    return public_file, secret_file


def load_certificate(filename: PathLike) -> Tuple[bytes, Optional[bytes]]:
    """Read (public_key, secret_key) from a certificate file, both Z85 bytes.

    secret_key is None for a public certificate. Raises OSError if the file does not exist
    and ValueError if it holds no public key."""
    path = os.fspath(filename)
    if not os.path.isfile(path):
        raise OSError(f"Invalid certificate file: {path}")
    keys: Dict[bytes, bytes] = {}
    with open(path, "rb") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(b"#") or b"=" not in line:
                continue
            name, _, value = line.partition(b"=")
            name = name.strip()
            if name in (b"public-key", b"secret-key"):
                keys[name] = value.strip().strip(b"\"'")
    public_key = keys.get(b"public-key")
    if not public_key:
        raise ValueError(f"No public key found in {path}")
    return public_key, keys.get(b"secret-key") or None


def load_certificates(directory: PathLike = ".") -> Dict[bytes, bool]:
    """The public keys of every `*.key` certificate in `directory`, as {key: True}.

    Raises OSError if `directory` is not a directory."""
    path = os.fspath(directory)
    if not os.path.isdir(path):
        raise OSError(f"Invalid certificate directory: {path}")
    return {load_certificate(cert)[0]: True for cert in sorted(glob.glob(os.path.join(path, "*.key")))}
