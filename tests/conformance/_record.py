"""pytest plugin for the conformance job: writes each test's final outcome to a JSON file.

Loaded with `-p _record` (this folder on PYTHONPATH); the file is $PYZMQ_CONFORMANCE_OUT.
Outcomes: passed, failed (any phase failed), skipped, xfailed; a module that could not be
collected is recorded under its own path as "collect-error".
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict

_outcomes: Dict[str, str] = {}


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _outcomes[report.nodeid] = "collect-error"


def pytest_runtest_logreport(report: Any) -> None:
    nodeid = report.nodeid
    if report.outcome == "rerun":
        # pytest-rerunfailures runs a flaky-marked test again: only the last run counts.
        _outcomes.pop(nodeid, None)
        return
    previous = _outcomes.get(nodeid)
    if report.failed:
        _outcomes[nodeid] = "failed"
    elif previous == "failed":
        return
    elif getattr(report, "wasxfail", None) is not None:
        _outcomes[nodeid] = "xfailed"
    elif report.skipped:
        _outcomes[nodeid] = "skipped"
    elif report.when == "call" and report.passed:
        _outcomes[nodeid] = "passed"


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    path = os.environ.get("PYZMQ_CONFORMANCE_OUT")
    if path:
        with open(path, "w") as f:
            json.dump(_outcomes, f, indent=0, sort_keys=True)
