"""REQ/REP tutorial, the server: a REP socket answers each request with one reply.

    python server.py --port 5555 --count 5

Each request is a string; each reply is a small JSON object. The server stops after
--count requests, or when no request came for --timeout seconds.
"""
from __future__ import annotations

import argparse
import sys

import zmq


def main() -> int:
    parser = argparse.ArgumentParser(description="REQ/REP tutorial server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5555, help="0 picks a free port")
    parser.add_argument("--count", type=int, default=5, help="requests to answer, then exit")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a request")
    args = parser.parse_args()

    print(f"server: {zmq.__name__} {zmq.__version__}, libzmq {zmq.zmq_version()}")

    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.rcvtimeo = int(args.timeout * 1000)  # recv raises zmq.Again after that long
    if args.port:
        socket.bind(f"tcp://{args.host}:{args.port}")
        port = args.port
    else:
        port = socket.bind_to_random_port(f"tcp://{args.host}")
    # flush: whoever started us may be waiting for this line to learn the port
    print(f"server: listening on tcp://{args.host}:{port}", flush=True)

    try:
        for _ in range(args.count):
            request = socket.recv_string()
            print(f"server: received {request!r}")
            socket.send_json({"request": request, "reply": request.replace("Hello", "World")})
    except zmq.Again:
        print(f"server: no request for {args.timeout} s, giving up")
        return 1
    finally:
        socket.close(linger=1000)  # give the last reply up to 1 s to leave
        context.term()
    print(f"server: answered {args.count} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
