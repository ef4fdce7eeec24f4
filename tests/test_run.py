"""Unmodified pyzmq programs run on zmq_cffi through `python -m zmq_cffi.run`."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PYZMQ_MODULES = [
    "zmq",
    "zmq.backend",
    "zmq.constants",
    "zmq.error",
    "zmq.utils.z85",
    "zmq.utils.monitor",
    "zmq.utils.jsonapi",
    "zmq.utils.garbage",
    "zmq.sugar",
    "zmq.sugar.socket",
    "zmq.sugar.context",
    "zmq.sugar.frame",
    "zmq.sugar.poll",
    "zmq.sugar.tracker",
    "zmq.sugar.version",
    "zmq.sugar.attrsettr",
    "zmq.sugar.stopwatch",
    "zmq.curve_keygen",
]


def run(args, timeout: float = 60.0, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, **kw)


def write(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    return path


def test_import_zmq_gives_zmq_cffi_modules(tmp_path):
    prog = write(
        tmp_path,
        "prog.py",
        f"""
        import importlib, sys
        for name in {PYZMQ_MODULES!r}:
            module = importlib.import_module(name)
            assert module.__name__ == "zmq_cffi" + name[3:], (name, module.__name__)
        import zmq
        ctx = zmq.Context()
        a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
        a.bind("inproc://run"); b.connect("inproc://run")
        a.send_string("through zmq_cffi")
        print(b.recv_string(), sys.argv[1:])
        ctx.destroy()
        """,
    )
    result = run(["-m", "zmq_cffi.run", str(prog), "one", "two"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "through zmq_cffi ['one', 'two']"


def test_child_processes_of_the_program_are_redirected_too(tmp_path):
    prog = write(
        tmp_path,
        "parent.py",
        """
        import subprocess, sys
        child = "import zmq, zmq.utils.z85 as z; print(zmq.__name__, z.__name__)"
        print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60).stdout.strip())
        """,
    )
    result = run(["-m", "zmq_cffi.run", str(prog)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "zmq_cffi zmq_cffi.utils.z85"


def test_module_form(tmp_path):
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    write(pkg, "__main__.py", "import zmq, sys; print(zmq.__name__, sys.argv[1:])")
    result = run(["-m", "zmq_cffi.run", "-m", "app", "x"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "zmq_cffi ['x']"


def test_install_after_pyzmq_was_imported_is_refused():
    code = "import zmq, zmq_cffi.run\ntry:\n    zmq_cffi.run.install()\nexcept RuntimeError as e:\n    print('refused:', e)"
    result = run(["-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused: pyzmq's zmq is already imported")


def test_install_for_embedding_and_uninstall():
    code = textwrap.dedent(
        """
        import zmq_cffi.run
        zmq_cffi.run.install()
        import zmq
        first = zmq.__name__
        zmq_cffi.run.uninstall()
        import importlib, sys
        sys.modules.pop("zmq", None)
        second = importlib.import_module("zmq").__name__
        print(first, second)
        """
    )
    result = run(["-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["zmq_cffi", "zmq"]  # pyzmq is installed beside us here


def test_usage_without_arguments():
    result = run(["-m", "zmq_cffi.run"])
    assert result.returncode == 2
    assert "usage: python -m zmq_cffi.run" in result.stderr


def test_pyzmq_s_module_layout_works_under_import_zmq(tmp_path):
    # What libraries do with pyzmq's modules: type checks against zmq.sugar, the garbage
    # collector's refs, the old string helpers, jsonapi.jsonmod, and the key generator.
    prog = write(
        tmp_path,
        "layout.py",
        """
        import json, subprocess, sys, warnings
        import zmq
        import zmq.sugar.socket, zmq.sugar.context, zmq.sugar.frame
        from zmq.utils.garbage import gc
        from zmq.utils import jsonapi
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from zmq.utils.strtypes import cast_bytes, cast_unicode

        assert zmq.sugar.socket.Socket is zmq.Socket and zmq.sugar.context.Context is zmq.Context
        with zmq.Context() as ctx, ctx.socket(zmq.PAIR) as a, ctx.socket(zmq.PAIR) as b:
            a.linger = b.linger = 0
            a.rcvtimeo = b.rcvtimeo = 10_000
            assert isinstance(a, zmq.sugar.socket.Socket)
            with a.bind("tcp://127.0.0.1:0"):
                b.connect(a.last_endpoint)
                b.send(jsonapi.dumps({"k": cast_unicode(cast_bytes("v"))}))
                frame = a.recv(copy=False)
                assert isinstance(frame, zmq.sugar.frame.Frame)
                assert jsonapi.jsonmod.loads(frame.bytes) == {"k": "v"}
            assert not gc.is_alive()
        keys = subprocess.run([sys.executable, "-m", "zmq.curve_keygen", "--json"],
                              capture_output=True, text=True, timeout=60, check=True).stdout
        print(sorted(json.loads(keys)))
        """,
    )
    result = run(["-m", "zmq_cffi.run", str(prog)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['public', 'secret']"
