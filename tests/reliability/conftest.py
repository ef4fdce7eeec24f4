"""Fixtures of the reliability tests: network namespaces ('hosts') and peer processes.

Everything made here is removed in the fixtures' finalizers, also when a test fails: peer
processes are killed by pid, then the namespaces (and the veth pair inside them) are deleted.
Names carry this process's pid, so namespaces of a run killed before its clean-up are found
and removed by the next run.
"""
from __future__ import annotations

import json
import os
from typing import Iterator

import pytest

from . import _support
from ._support import FIGURES, Hosts, Peers, Sandbox


@pytest.fixture(scope="session")
def _netns_ready() -> None:
    problem = _support.preflight()
    if problem:
        pytest.fail(problem, pytrace=False)
    _support.remove_stale_namespaces()


@pytest.fixture
def peers() -> Iterator[Peers]:
    group = Peers()
    yield group
    group.cleanup()


@pytest.fixture
def hosts(_netns_ready: None, peers: Peers) -> Iterator[Hosts]:
    """Two namespaces joined by a veth pair (a: 10.199.7.1, b: 10.199.7.2).

    Depends on `peers` so that the peers are killed before their namespaces go away."""
    h = Hosts()
    try:
        h.create()
        yield h
    finally:
        peers.cleanup()
        h.destroy()


@pytest.fixture
def sandbox(_netns_ready: None) -> Iterator[Sandbox]:
    """A namespace with only a loopback interface, for processes that must reach nothing else."""
    box = Sandbox()
    try:
        box.create()
        yield box
    finally:
        box.destroy()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not FIGURES:
        return
    terminalreporter.write_sep("-", "reliability figures")
    for key in sorted(FIGURES):
        terminalreporter.write_line(f"{key}: {FIGURES[key]}")
    path = os.environ.get("ZMQ_CFFI_RELIABILITY_FIGURES")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(FIGURES, f, indent=2, sort_keys=True)
