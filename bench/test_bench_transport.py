"""Streams and latency: PUSH->PULL throughput over inproc (sender thread) and tcp loopback
(sender process), 1 MiB zero-copy bandwidth over tcp, REQ/REP latency over tcp (echo process).

Over tcp the other end is a separate process (bench/_peer.py) running the same module as the
benchmark. Scenarios: bench/scenarios.py.
"""
from __future__ import annotations

import pytest

from harness import run_scenario


@pytest.mark.parametrize("size", [16, 1024])
def test_push_pull_inproc(benchmark, zmq_module, size):
    run_scenario(benchmark, zmq_module, "push_pull_inproc", size=size)


@pytest.mark.parametrize("size", [16, 1024])
def test_push_pull_tcp(benchmark, zmq_module, size):
    run_scenario(benchmark, zmq_module, "push_pull_tcp", size=size)


def test_zero_copy_1mib_tcp(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "zero_copy_1mib_tcp")


def test_req_rep_latency_tcp(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "req_rep_latency_tcp")
