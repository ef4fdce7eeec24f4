"""REQ/REP tutorial, the client: a REQ socket sends a request, then waits for its reply.

    python client.py --server tcp://127.0.0.1:5555 --count 5
"""
from __future__ import annotations

import argparse
import sys

import zmq


def main() -> int:
    parser = argparse.ArgumentParser(description="REQ/REP tutorial client")
    parser.add_argument("--server", default="tcp://127.0.0.1:5555")
    parser.add_argument("--count", type=int, default=5, help="requests to send")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a reply")
    args = parser.parse_args()

    print(f"client: {zmq.__name__} {zmq.__version__}, libzmq {zmq.zmq_version()}")

    context = zmq.Context()
    socket = context.socket(zmq.REQ)
    socket.rcvtimeo = int(args.timeout * 1000)
    socket.connect(args.server)

    try:
        for n in range(args.count):
            socket.send_string(f"Hello {n}")
            reply = socket.recv_json()
            print(f"client: reply {n}: {reply['reply']!r}")
    except zmq.Again:
        print(f"client: no reply for {args.timeout} s, giving up")
        return 1
    finally:
        socket.close(linger=0)
        context.term()
    print(f"client: {args.count} requests, {args.count} replies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
