"""zmq_cffi.utils.jsonapi: pyzmq's JSON helpers, `jsonmod` included."""
from __future__ import annotations

import json

import zmq_cffi as zmq
from conftest import pair
from zmq_cffi.utils import jsonapi


def test_jsonmod_is_the_json_module():
    assert jsonapi.jsonmod is json


def test_dumps_gives_utf8_bytes_and_loads_takes_either():
    data = {"name": "café", "n": [1, 2]}
    raw = jsonapi.dumps(data)
    assert isinstance(raw, bytes)
    assert jsonapi.loads(raw) == data
    assert jsonapi.loads(raw.decode("utf-8")) == data
    assert jsonapi.loads(memoryview(raw)) == data


def test_over_a_socket(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, "ipc")
    a.send(jsonapi.dumps({"hello": "wörld"}))
    assert jsonapi.loads(b.recv()) == {"hello": "wörld"}
    a.send_json({"x": 1})
    assert jsonapi.jsonmod.loads(b.recv()) == {"x": 1}
