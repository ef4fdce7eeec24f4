"""Benchmarks run each scenario on zmq_cffi and on pyzmq in the same session.

The `zmq_module` fixture is parametrized by module, so pytest-benchmark's JSON holds both and
bench/report.py prints their ratio. The scenarios live in bench/scenarios.py; each test hands
one to harness.run_scenario, which times it and then measures its peak memory in a fresh
process (bench/_memory.py).

Options: --bench-quick (or ZMQ_BENCH_QUICK=1) scales every scenario down to a smoke run;
--bench-no-memory (or ZMQ_BENCH_MEMORY=0) skips the memory runs.
"""
from __future__ import annotations

import importlib
import os

import pytest

from scenarios import inproc_pair as _inproc_pair

MODULES = ["zmq_cffi", "zmq"]


def pytest_addoption(parser):
    group = parser.getgroup("zmq_cffi benchmarks")
    group.addoption("--bench-quick", action="store_true",
                    help="short smoke run of every scenario (same as ZMQ_BENCH_QUICK=1)")
    group.addoption("--bench-no-memory", action="store_true",
                    help="skip the per-scenario peak-memory runs (same as ZMQ_BENCH_MEMORY=0)")


def pytest_configure(config):
    # Environment variables, so the memory runner and helper processes inherit them.
    if config.getoption("--bench-quick"):
        os.environ["ZMQ_BENCH_QUICK"] = "1"
    if config.getoption("--bench-no-memory"):
        os.environ["ZMQ_BENCH_MEMORY"] = "0"


def pytest_benchmark_update_json(config, benchmarks, output_json):
    info = {"quick": os.environ.get("ZMQ_BENCH_QUICK", "") not in ("", "0")}
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
            info[name] = {"version": mod.__version__, "libzmq": mod.zmq_version(),
                          "backend": getattr(mod.backend, "Socket", object).__module__}
        except Exception as e:  # a broken module must not lose the results
            info[name] = {"error": repr(e)}
    output_json["zmq_bench"] = info


@pytest.fixture(params=MODULES)
def zmq_module(request):
    return importlib.import_module(request.param)


@pytest.fixture
def ctx(zmq_module):
    context = zmq_module.Context()
    yield context
    context.destroy(linger=0)


def inproc_pair(zmq_module, ctx, bind_type, connect_type, name):
    return _inproc_pair(zmq_module, ctx, bind_type, connect_type, name)
