"""The import-time libzmq check: a missing, unloadable or too old libzmq is one clear ImportError."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import zmq_cffi as zmq
from zmq_cffi import _check

#: The end-to-end tests need zmq_cffi/__init__.py to run the check before loading libzmq.
HOOKED = "check_libzmq" in Path(zmq.__file__).read_text()
needs_hook = pytest.mark.skipif(not HOOKED, reason="zmq_cffi/__init__.py does not call check_libzmq() yet")
needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")


def test_check_passes_and_returns_the_version_in_use():
    assert _check.check_libzmq() == zmq.zmq_version_info()
    assert _check.MIN_LIBZMQ == (4, 1)


def test_loaded_library_is_the_one_mapped():
    path = _check.loaded_libzmq_path()
    assert path is not None and Path(path).name.startswith("libzmq.so")
    assert Path(path).exists()


@pytest.mark.parametrize("version", [(4, 0, 5), (3, 2, 6)])
def test_too_old_libzmq_names_the_version_found(monkeypatch, version):
    monkeypatch.setattr(_check, "_libzmq_version", lambda ffi, lib: version)
    with pytest.raises(ImportError) as info:
        _check.check_libzmq()
    message = str(info.value)
    assert "needs libzmq >= 4.1" in message
    assert "found libzmq %d.%d.%d" % version in message
    assert "libzmq3-dev" in message


def test_new_enough_libzmq_passes(monkeypatch):
    monkeypatch.setattr(_check, "_libzmq_version", lambda ffi, lib: (4, 1, 0))
    assert _check.check_libzmq() == (4, 1, 0)


def test_unbuilt_module_says_how_to_build(monkeypatch):
    def missing():
        raise ModuleNotFoundError("No module named 'zmq_cffi._ffi'", name="zmq_cffi._ffi")

    monkeypatch.setattr(_check, "_import_ffi", missing)
    with pytest.raises(ImportError) as info:
        _check.check_libzmq()
    message = str(info.value)
    assert "zmq_cffi._ffi is missing" in message
    assert "pip install" in message and "libzmq3-dev" in message
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_missing_cffi_backend_says_so(monkeypatch):
    def missing():
        raise ModuleNotFoundError("No module named '_cffi_backend'", name="_cffi_backend")

    monkeypatch.setattr(_check, "_import_ffi", missing)
    with pytest.raises(ImportError, match="'_cffi_backend', which is missing: install cffi"):
        _check.check_libzmq()


@pytest.mark.parametrize("error", [ImportError, OSError])
def test_unloadable_module_names_the_loader_error_and_what_the_loader_finds(monkeypatch, error):
    def unloadable():
        raise error("libzmq.so.5: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(_check, "_import_ffi", unloadable)
    with pytest.raises(ImportError) as info:
        _check.check_libzmq()
    message = str(info.value)
    assert "cannot load its compiled module zmq_cffi._ffi" in message
    assert "libzmq.so.5: cannot open shared object file" in message
    # What the loader finds on its own: here, the system's libzmq.
    assert "the dynamic loader finds libzmq %s" % zmq.zmq_version() in message
    assert "libzmq3-dev" in message
    assert "\n" not in message


def _compile(tmp_path: Path, name: str, source: str, *extra: str) -> Path:
    c = tmp_path / (name + ".c")
    c.write_text(textwrap.dedent(source))
    out = tmp_path / name
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(out), str(c), *extra], check=True, timeout=120)
    return out


OLD_ZMQ_VERSION = """
    void zmq_version(int *major, int *minor, int *patch) { *major = 4; *minor = 0; *patch = 5; }
"""

IMPORT_AND_CHECK = """
try:
    import zmq_cffi
    from zmq_cffi._check import check_libzmq
    check_libzmq()
except ImportError as exc:
    print("ImportError:", exc)
else:
    print("imported")
"""


def _run(env_extra: dict, tmp_path: Path) -> str:
    import os

    env = dict(os.environ, **env_extra)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_AND_CHECK], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@needs_cc
def test_old_libzmq_version_at_import(tmp_path):
    """A libzmq that reports 4.0.5 (zmq_version interposed with LD_PRELOAD): ImportError."""
    lib = _compile(tmp_path, "libold_version.so", OLD_ZMQ_VERSION)
    out = _run({"LD_PRELOAD": str(lib)}, tmp_path)
    assert out.startswith("ImportError: zmq_cffi needs libzmq >= 4.1, but found libzmq 4.0.5"), out
    assert "libzmq3-dev" in out


@needs_cc
@needs_hook
def test_libzmq_without_needed_symbols_at_import(tmp_path):
    """A libzmq.so.5 from before 4.1 (no zmq_has) found first by the loader: ImportError naming
    the loader's error and the version that library reports."""
    _compile(tmp_path, "libzmq.so.5", OLD_ZMQ_VERSION)
    out = _run({"LD_LIBRARY_PATH": str(tmp_path)}, tmp_path)
    assert out.startswith("ImportError: zmq_cffi: cannot load its compiled module zmq_cffi._ffi"), out
    assert "undefined symbol" in out
    assert "the dynamic loader finds libzmq 4.0.5 (%s)" % (tmp_path / "libzmq.so.5") in out
    assert "libzmq3-dev" in out


@needs_hook
def test_unbuilt_module_at_import(tmp_path):
    code = "import sys; sys.modules['zmq_cffi._ffi'] = None\n" + IMPORT_AND_CHECK
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "zmq_cffi._ffi is missing" in result.stdout
