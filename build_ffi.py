"""Builds zmq_cffi._ffi, the out-of-line CFFI module over the system libzmq.

The declarations live in zmq_cffi/_cdefs/*.h (readable as C); the compiled source is
zmq_cffi/_helpers.c, which includes zmq.h. Every size, layout and constant is filled in by the
compiler from zmq.h (`...` in the cdefs), never typed here.

libzmq is located with pkg-config; ZMQ_PREFIX=/some/prefix overrides it (headers in
$ZMQ_PREFIX/include, library in $ZMQ_PREFIX/lib).

On CPython the module is built against the stable ABI (abi3), so one wheel serves every later
CPython 3: limited_api_tag() says from which one; setup.py tags the wheel to match.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
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


def limited_api_tag() -> str | None:
    """The oldest CPython the compiled module runs on, as a wheel tag ("cp311", "cp39"), or
    None when it is not built against the stable ABI (PyPy, debug and free-threaded CPython).

    On CPython >= 3.11 the module uses the 3.11 stable ABI: it is the first with the buffer
    slots, which give Frame the buffer protocol (memoryview(frame)), so the wheel is
    cp311-abi3. Built on 3.9 or 3.10 it uses CFFI's default limited API without that base
    type, and the wheel is cp39-abi3 (3.9 being the oldest CPython zmq_cffi supports)."""
    if sys.implementation.name != "cpython":
        return None
    if hasattr(sys, "gettotalrefcount") or sysconfig.get_config_var("Py_GIL_DISABLED"):
        return None
    return "cp311" if sys.version_info >= (3, 11) else "cp39"


def limited_api_options() -> dict:
    """Extension options for limited_api_tag(): CFFI's py_limited_api, plus the 3.11 macro."""
    if sys.implementation.name != "cpython":
        return {}  # PyPy: CFFI's own defaults
    tag = limited_api_tag()
    if tag is None:
        return {"py_limited_api": False}
    macros = [("Py_LIMITED_API", "0x030b0000")] if tag == "cp311" else []
    return {"py_limited_api": True, "define_macros": macros}


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
    **limited_api_options(),
    depends=[str(PKG / "_helpers.c"), *(str(PKG / "_cdefs" / n) for n in CDEF_ORDER)],
)

if __name__ == "__main__":
    # By hand: `python build_ffi.py` builds the module next to the sources (zmq_cffi/_ffi.*.so).
    # It compiles in a scratch directory, where no pyproject.toml is read by whatever
    # setuptools the interpreter has, and copies the result in.
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp, ffibuilder.compile(tmpdir=tmp, verbose=True))
        shutil.copy2(built, PKG / built.name)
    print(f"built {PKG / built.name}")
