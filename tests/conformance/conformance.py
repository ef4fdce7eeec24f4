"""pyzmq's own test suite, run against zmq_cffi: the conformance job.

    python conformance.py fetch DIR                     # pyzmq's sdist from PyPI -> DIR/suite
    python conformance.py run --suite DIR/suite         # its tests on zmq_cffi, through the runner
    python conformance.py baseline --suite DIR/suite    # the same tests on real pyzmq: the baseline

Each command runs with the interpreter under test (`.venv/cpython/bin/python conformance.py
run ...`). The suite comes from the pinned pyzmq sdist, fetched at test time into a temporary
folder: nothing of pyzmq is kept in this repository. `run` goes through
`python -m zmq_cffi.run -m pytest`, so the suite's `import zmq` is zmq_cffi, with a per-test
timeout, and compares each test's outcome with two lists kept here:

- baseline-<interpreter>.txt: the tests that pass on real pyzmq (written by `baseline`, which
  runs the same suite with the same interpreter and plain `import zmq`);
- expected-failures.txt: tests of that baseline that fail on zmq_cffi on purpose, each with
  its kind and reason (see the file's header for the kinds allowed).

The job fails when a test of the baseline fails here and is not listed, or when a listed test
passes (the list must shrink with it). It prints
`pyzmq-conformance: P passed / B that pass on pyzmq (x %)` for the interpreter.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from typing import Dict, List, Optional, Set, Tuple

PYZMQ_VERSION = "27.3.0"
HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected-failures.txt")
#: The kinds of failure the expected list may hold: nothing but these three.
KINDS = {"repr", "internals", "draft"}
#: Seconds per test (pytest-timeout), and for the whole pytest run.
TEST_TIMEOUT = 60
RUN_TIMEOUT = 900
RERUNS = 1


def interpreter_name() -> str:
    return "pypy" if platform.python_implementation() == "PyPy" else "cpython"


def baseline_path(name: str) -> str:
    return os.path.join(HERE, f"baseline-{name}.txt")


# -- fetching -------------------------------------------------------------------------------


def fetch(dest: str) -> str:
    """Download pyzmq's sdist into `dest` and lay its tests out in dest/suite; returns that.

    Only `tests/` and `pytest.ini` are copied: the sdist's `zmq/` source folder would shadow
    the installed package (pyzmq for the baseline) from the current directory."""
    os.makedirs(dest, exist_ok=True)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         f"pyzmq=={PYZMQ_VERSION}", "-d", dest],
        capture_output=True, text=True,
    )
    if pip.returncode:
        sys.stderr.write(pip.stdout + pip.stderr)
        raise SystemExit(f"could not download pyzmq {PYZMQ_VERSION}'s sdist")
    [archive] = glob.glob(os.path.join(dest, f"pyzmq-{PYZMQ_VERSION}.tar.gz"))
    top = f"pyzmq-{PYZMQ_VERSION}/"
    suite = os.path.join(dest, "suite")
    with tarfile.open(archive) as tar:
        wanted = [m for m in tar.getmembers()
                  if m.name.startswith(top + "tests/") or m.name == top + "pytest.ini"]
        for member in wanted:
            if not (member.isfile() or member.isdir()):
                continue  # no links or devices from an archive
            member.name = member.name[len(top):]
            if member.name.startswith("/") or ".." in member.name.split("/"):
                raise RuntimeError(f"unsafe path in the sdist: {member.name}")
            tar.extract(member, suite)
    return suite


# -- running --------------------------------------------------------------------------------


def run_suite(suite: str, through_runner: bool, log_path: str) -> Dict[str, str]:
    """Run the suite with this interpreter; returns {test id: outcome}."""
    out = os.path.join(tempfile.mkdtemp(prefix="pyzmq-conformance-"), "outcomes.json")
    env = dict(os.environ)
    env["PYZMQ_CONFORMANCE_OUT"] = out
    env["PYTHONPATH"] = os.pathsep.join(p for p in [HERE, env.get("PYTHONPATH", "")] if p)
    # pyzmq's tests run warnings as the user sees them; no third-party bytecode caches.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # pyzmq's test_socket.py skips test_large_send on PyPy when `CI` is set; the baselines were
    # measured without it, so the suite runs the same way wherever it runs.
    env.pop("CI", None)
    pytest_args = [
        "-m", "pytest", "-p", "_record", "-p", "no:cacheprovider",
        "--continue-on-collection-errors", f"--timeout={TEST_TIMEOUT}",
        # One more run for a failure, on pyzmq and zmq_cffi alike: a few of pyzmq's tests race
        # (a SUB that connects and subscribes while the PUB already sends), and pyzmq's own CI
        # reruns them too.
        f"--reruns={RERUNS}",
        "-q", "-rfE",
    ]
    cmd = [sys.executable, *(["-m", "zmq_cffi.run"] if through_runner else []), *pytest_args]
    with open(log_path, "w") as log:
        try:
            subprocess.run(cmd, cwd=suite, env=env, stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.write(f"\nconformance: the pytest run took over {RUN_TIMEOUT} s and was stopped\n")
    try:
        with open(out) as f:
            outcomes: Dict[str, str] = json.load(f)
    except (OSError, ValueError):
        outcomes = {}
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    return outcomes


def read_lines(path: str) -> List[str]:
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def read_expected(name: str) -> Dict[str, Tuple[str, str]]:
    """{test id: (kind, reason)} of the expected failures that apply to interpreter `name`.

    A line is `kind | test id | reason`; `kind/cpython` or `kind/pypy` limits it to one."""
    expected: Dict[str, Tuple[str, str]] = {}
    for number, line in enumerate(read_lines(EXPECTED), 1):
        fields = [f.strip() for f in line.split(" | ")]
        if len(fields) != 3 or not fields[2]:
            raise SystemExit(f"{EXPECTED}:{number}: expected 'kind | test id | reason': {line}")
        kind, test, reason = fields
        kind, _, only = kind.partition("/")
        if kind not in KINDS or only not in ("", "cpython", "pypy"):
            raise SystemExit(f"{EXPECTED}:{number}: unknown kind {fields[0]!r} (allowed: {sorted(KINDS)})")
        if only in ("", name):
            expected[test] = (kind, reason)
    return expected


def failure_lines(log_path: str, tests: Set[str]) -> List[str]:
    """The short-summary lines of the pytest log that concern `tests`."""
    lines = []
    with open(log_path, errors="replace") as f:
        for line in f:
            m = re.match(r"(FAILED|ERROR) (\S+)", line)
            if m and m.group(2) in tests:
                lines.append("    " + line.rstrip()[:300])
    return lines


def module_of(test: str) -> str:
    return test.split("::", 1)[0]


def compare(name: str, outcomes: Dict[str, str], log_path: str) -> bool:
    baseline = set(read_lines(baseline_path(name)))
    expected = read_expected(name)
    broken_modules = {t for t, o in outcomes.items() if o == "collect-error"}
    passed = {t for t in baseline if outcomes.get(t) == "passed"}
    unexpected = sorted(t for t in baseline - passed if t not in expected)
    now_passing = sorted(t for t in expected if outcomes.get(t) == "passed")
    ok = True
    if unexpected:
        ok = False
        print(f"conformance ({name}): {len(unexpected)} test(s) that pass on pyzmq fail here "
              "and are not in expected-failures.txt:")
        for test in unexpected:
            outcome = outcomes.get(test)
            if outcome is None:
                outcome = ("not run: its module failed to import" if module_of(test) in broken_modules
                           else "not run")
            print(f"  {test}: {outcome}")
        print("\n".join(failure_lines(log_path, set(unexpected))))
        for module in sorted(broken_modules & {module_of(t) for t in unexpected}):
            print(f"  {module}: could not be collected")
    if now_passing:
        ok = False
        print(f"conformance ({name}): {len(now_passing)} test(s) in expected-failures.txt pass now; "
              "remove them from the list:")
        for test in now_passing:
            print(f"  {test}")
    counts: Dict[str, int] = {}
    for test in baseline - passed:
        if test in expected:
            counts[expected[test][0]] = counts.get(expected[test][0], 0) + 1
    if counts:
        print(f"conformance ({name}): expected failures by kind: "
              + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    total = len(baseline)
    share = 100.0 * len(passed) / total if total else 0.0
    version = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"pyzmq-conformance: {len(passed)} passed / {total} that pass on pyzmq ({share:.1f} %) on {version}")
    return ok


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_fetch = sub.add_parser("fetch", help="download pyzmq's sdist and lay out its tests")
    p_fetch.add_argument("dest")
    for command in ("run", "baseline"):
        p = sub.add_parser(command)
        p.add_argument("--suite", required=True, help="the folder `fetch` printed")
        p.add_argument("--log", help="where pytest's output goes (default: in the suite folder)")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        print(fetch(args.dest))
        return 0
    name = interpreter_name()
    log_path = args.log or os.path.join(args.suite, f"{args.command}-{name}.log")
    if args.command == "baseline":
        outcomes = run_suite(args.suite, through_runner=False, log_path=log_path)
        passed = sorted(t for t, o in outcomes.items() if o == "passed")
        if not passed:
            print(f"baseline ({name}): no test passed on pyzmq; see {log_path}")
            return 1
        with open(baseline_path(name), "w") as f:
            f.write(f"# Tests of pyzmq {PYZMQ_VERSION}'s suite that pass on real pyzmq {PYZMQ_VERSION}, "
                    f"{platform.python_implementation()} {platform.python_version()}, libzmq 4.3.4.\n"
                    "# Written by `conformance.py baseline`.\n")
            f.writelines(t + "\n" for t in passed)
        print(f"baseline ({name}): {len(passed)} tests pass on pyzmq -> {baseline_path(name)}")
        return 0
    outcomes = run_suite(args.suite, through_runner=True, log_path=log_path)
    if not outcomes:
        print(f"conformance ({name}): the suite did not run; the end of {log_path}:")
        with open(log_path, errors="replace") as f:
            print("".join(f.readlines()[-40:]))
        return 1
    return 0 if compare(name, outcomes, log_path) else 1


if __name__ == "__main__":
    sys.exit(main())
