"""`python -m zmq_cffi` prints the facts a bug report needs (run on each interpreter by test.sh)."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import zmq_cffi as zmq

CAPABILITIES = ["ipc", "pgm", "tipc", "norm", "curve", "gssapi", "draft"]


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zmq_cffi", *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def test_text_report_names_versions_interpreter_library_and_capabilities(tmp_path):
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = {}
    for line in result.stdout.splitlines():
        label, _, value = line.partition("  ")
        lines[label.strip()] = value.strip()
    assert lines["zmq_cffi"] == zmq.zmq_cffi_version
    assert lines["pyzmq API"].startswith(zmq.__version__ + " ")
    assert lines["libzmq"] == zmq.zmq_version()
    assert lines["python"] == (
        f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"
    )
    assert os.path.basename(lines["libzmq library"]).startswith("libzmq.so")
    assert os.path.exists(lines["libzmq library"])
    compiled = lines["compiled module"]
    assert os.path.basename(compiled).startswith("_ffi.") and compiled.endswith(".so")
    assert os.path.dirname(compiled) == os.path.dirname(os.path.abspath(zmq.__file__))
    caps = dict(item.split("=") for item in lines["capabilities"].split())
    assert list(caps) == CAPABILITIES
    assert caps == {name: "yes" if zmq.has(name) else "no" for name in CAPABILITIES}


def test_json_report_matches_the_running_interpreter(tmp_path):
    result = run("--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["zmq_cffi"] == zmq.zmq_cffi_version
    assert facts["pyzmq_api"] == zmq.__version__
    assert facts["libzmq"] == "%d.%d.%d" % zmq.zmq_version_info()
    assert facts["implementation"] == platform.python_implementation()
    assert facts["python_version"] == platform.python_version()
    assert facts["executable"] == sys.executable
    assert facts["capabilities"] == {name: zmq.has(name) for name in CAPABILITIES}
    import zmq_cffi._ffi as compiled

    assert facts["compiled_module"] == os.path.abspath(compiled.__file__)
    # The library the report names is the one this process has mapped too.
    with open("/proc/self/maps") as maps:
        assert facts["libzmq_library"] in maps.read()


def test_unknown_argument_is_a_usage_error():
    result = run("--frobnicate")
    assert result.returncode == 2
    assert "usage: python -m zmq_cffi" in result.stderr
    assert result.stdout == ""
