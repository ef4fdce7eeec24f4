"""asyncio: zmq_cffi.asyncio next to zmq.asyncio, both ends on one event loop over inproc.

Scenarios: bench/scenarios.py (asyncio_req_rep: p50/p99 per round trip; asyncio_push_pull:
messages per second).
"""
from __future__ import annotations

from harness import run_scenario


def test_asyncio_req_rep(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "asyncio_req_rep")


def test_asyncio_push_pull(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "asyncio_push_pull")
