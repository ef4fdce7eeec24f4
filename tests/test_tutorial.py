"""The REQ/REP tutorial (spec/tutorial-req-rep.txt) as two real processes talking over tcp."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

PROCESS_TIMEOUT_S = 30

SERVER = textwrap.dedent(
    """
    import sys

    import zmq_cffi as zmq

    port = int(sys.argv[1])

    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.bind(f"tcp://127.0.0.1:{port}")

    message = socket.recv()
    print(f"server received bytes {message!r}")
    socket.send(message.upper())

    text = socket.recv_string()
    print(f"server received string {text!r}")
    socket.send_string(text[::-1])

    request = socket.recv_json()
    print(f"server received json {request!r}")
    socket.send_json({"sum": sum(request["numbers"])})

    obj = socket.recv_pyobj()
    print(f"server received pyobj {obj!r}")
    socket.send_pyobj(sorted(obj))

    parts = socket.recv_multipart()
    print(f"server received multipart {parts!r}")
    socket.send_multipart(parts[::-1])

    socket.close()
    context.term()
    print("server done")
    """
)

CLIENT = textwrap.dedent(
    """
    import sys

    import zmq_cffi as zmq

    port = int(sys.argv[1])

    context = zmq.Context()
    socket = context.socket(zmq.REQ)
    socket.connect(f"tcp://127.0.0.1:{port}")

    socket.send(b"hello")
    print(f"client received bytes {socket.recv()!r}")

    socket.send_string("h\\u00e9llo w\\u00f6rld")
    print(f"client received string {socket.recv_string()!r}")

    socket.send_json({"numbers": [1, 2, 3, 4]})
    print(f"client received json {socket.recv_json()!r}")

    socket.send_pyobj((3, 1, 2))
    print(f"client received pyobj {socket.recv_pyobj()!r}")

    socket.send_multipart([b"first", b"second", b"third"])
    print(f"client received multipart {socket.recv_multipart()!r}")

    socket.close()
    context.term()
    print("client done")
    """
)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(script, port, tmp_path):
    path = tmp_path / script[0]
    path.write_text(script[1])
    return subprocess.Popen(
        [sys.executable, str(path), str(port)],
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def finish(proc):
    try:
        out, err = proc.communicate(timeout=PROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"process timed out\nstdout:\n{out}\nstderr:\n{err}")
    assert proc.returncode == 0, err
    return out.splitlines()


@pytest.mark.timeout(2 * PROCESS_TIMEOUT_S + 30)
def test_tutorial_req_rep(tmp_path):
    port = free_port()
    server = start(("server.py", SERVER), port, tmp_path)
    client = start(("client.py", CLIENT), port, tmp_path)
    try:
        client_lines = finish(client)
        server_lines = finish(server)
    finally:
        for proc in (client, server):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    assert client_lines == [
        "client received bytes b'HELLO'",
        "client received string 'dlr\u00f6w oll\u00e9h'",
        "client received json {'sum': 10}",
        "client received pyobj [1, 2, 3]",
        "client received multipart [b'third', b'second', b'first']",
        "client done",
    ]
    assert server_lines == [
        "server received bytes b'hello'",
        "server received string 'h\u00e9llo w\u00f6rld'",
        "server received json {'numbers': [1, 2, 3, 4]}",
        "server received pyobj (3, 1, 2)",
        "server received multipart [b'first', b'second', b'third']",
        "server done",
    ]
