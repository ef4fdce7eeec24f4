"""Benchmarks run each scenario on zmq_cffi and on pyzmq in the same session.

The `zmq_module` fixture is parametrized by module, so pytest-benchmark's JSON holds both and
bench/report.py prints their ratio.
"""
from __future__ import annotations

import importlib

import pytest

MODULES = ["zmq_cffi", "zmq"]


@pytest.fixture(params=MODULES)
def zmq_module(request):
    return importlib.import_module(request.param)


@pytest.fixture
def ctx(zmq_module):
    context = zmq_module.Context()
    yield context
    context.destroy(linger=0)


def inproc_pair(zmq_module, ctx, bind_type, connect_type, name):
    a = ctx.socket(bind_type)
    b = ctx.socket(connect_type)
    a.linger = b.linger = 0
    a.sndhwm = a.rcvhwm = b.sndhwm = b.rcvhwm = 0
    a.rcvtimeo = b.rcvtimeo = a.sndtimeo = b.sndtimeo = 10_000
    a.bind(f"inproc://{name}")
    b.connect(f"inproc://{name}")
    return a, b
