"""zmq_cffi.utils.strtypes: pyzmq's deprecated str/bytes helpers, kept for old programs."""
from __future__ import annotations

import importlib
import sys

import pytest

import zmq_cffi as zmq
from conftest import pair


def load():
    sys.modules.pop("zmq_cffi.utils.strtypes", None)
    with pytest.warns(DeprecationWarning):
        return importlib.import_module("zmq_cffi.utils.strtypes")


def test_importing_warns_as_in_pyzmq():
    load()


def test_casts():
    st = load()
    assert st.cast_bytes("é") == "é".encode("utf8")
    assert st.cast_bytes(b"raw") == b"raw"
    assert st.cast_unicode("é".encode("utf8")) == "é"
    assert st.cast_unicode("text") == "text"
    assert st.cast_bytes("é", "latin-1") == b"\xe9"
    assert st.asbytes is st.b is st.cast_bytes and st.u is st.cast_unicode
    assert st.unicode is str and st.bytes is bytes and st.basestring == (str, bytes)
    with pytest.raises(TypeError):
        st.cast_bytes(42)
    with pytest.raises(TypeError):
        st.cast_unicode(42)


def test_old_style_program_round_trip(ctx):
    st = load()
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(st.asbytes("héllo"))
    assert st.cast_unicode(b.recv()) == "héllo"
