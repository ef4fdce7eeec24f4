"""Builds zmq_cffi._ffi, the out-of-line CFFI module over the system libzmq.

The declarations live in zmq_cffi/_cdefs/*.h (readable as C); the compiled source is
zmq_cffi/_helpers.c, which includes zmq.h. Every size, layout and constant is filled in by the
compiler from zmq.h (`...` in the cdefs), never typed here.

libzmq is located with pkg-config; ZMQ_PREFIX=/some/prefix overrides it (headers in
$ZMQ_PREFIX/include, library in $ZMQ_PREFIX/lib).
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
PKG = HERE / "zmq_cffi"
# Types first, then constants, then our helpers, which use both.
CDEF_ORDER = ("libzmq.h", "constants.h", "helpers.h")
MISSING = (
    "zmq_cffi: libzmq's development files were not found (zmq.h / libzmq.pc). "
    "Install them with `apt-get install libzmq3-dev pkg-config` (Debian/Ubuntu), "
    "or set ZMQ_PREFIX to the prefix where libzmq is installed."
)


def _pkg_config(*args: str) -> list[str] | None:
    try:
        out = subprocess.run(
            ["pkg-config", *args, "libzmq"], check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return shlex.split(out)


def libzmq_flags() -> dict[str, list[str]]:
    """Compiler and linker settings for libzmq, or exit with one line saying what to install."""
    prefix = os.environ.get("ZMQ_PREFIX")
    if prefix:
        inc, lib = Path(prefix, "include"), Path(prefix, "lib")
        if not (inc / "zmq.h").exists():
            sys.exit(f"{MISSING} (ZMQ_PREFIX={prefix} has no include/zmq.h)")
        return {
            "include_dirs": [str(inc)],
            "library_dirs": [str(lib)],
            "runtime_library_dirs": [str(lib)],
            "libraries": ["zmq"],
            "extra_compile_args": [],
        }
    cflags, libs = _pkg_config("--cflags"), _pkg_config("--libs")
    if cflags is None or libs is None:
        sys.exit(MISSING)
    flags = {"include_dirs": [], "library_dirs": [], "runtime_library_dirs": [],
             "libraries": [], "extra_compile_args": []}
    for token in cflags:
        if token.startswith("-I"):
            flags["include_dirs"].append(token[2:])
        elif token.startswith("-D"):
            flags["extra_compile_args"].append(token)
    for token in libs:
        if token.startswith("-L"):
            flags["library_dirs"].append(token[2:])
        elif token.startswith("-l"):
            flags["libraries"].append(token[2:])
    includedir = _pkg_config("--variable=includedir") or ["/usr/include"]
    if not any(Path(d, "zmq.h").exists() for d in flags["include_dirs"] + includedir):
        sys.exit(MISSING)
    return flags


def read_cdefs() -> str:
    return "\n".join((PKG / "_cdefs" / name).read_text() for name in CDEF_ORDER)


def limited_api_macros() -> list[tuple[str, str]]:
    """On CPython >= 3.11 build against the 3.11 stable ABI: it is the first with the buffer
    slots, which give Frame the buffer protocol (memoryview(frame)). Older CPythons get
    CFFI's default limited API and no such base type."""
    if sys.implementation.name == "cpython" and sys.version_info >= (3, 11):
        return [("Py_LIMITED_API", "0x030b0000")]
    return []


ffibuilder = FFI()
ffibuilder.cdef(read_cdefs())
_flags = libzmq_flags()
ffibuilder.set_source(
    "zmq_cffi._ffi",
    '#include "_helpers.c"',
    include_dirs=[str(PKG), *_flags["include_dirs"]],
    library_dirs=_flags["library_dirs"],
    runtime_library_dirs=_flags["runtime_library_dirs"],
    libraries=_flags["libraries"] + ["pthread"],
    extra_compile_args=_flags["extra_compile_args"] + ["-O2"],
    define_macros=limited_api_macros(),
    depends=[str(PKG / "_helpers.c"), *(str(PKG / "_cdefs" / n) for n in CDEF_ORDER)],
)

if __name__ == "__main__":
    ffibuilder.compile(tmpdir=str(HERE), verbose=True)
