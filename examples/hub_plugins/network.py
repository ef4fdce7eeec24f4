"""Start a hub and a few plugins, each in its own process; wait for them, show their output.

    python network.py --plugins a b c

Each plugin gets all the others as peers. Started with `python -m zmq_cffi.run`, the child
processes (plain `python hub.py`, `python plugin.py`) import zmq_cffi as zmq as well.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port(host: str) -> int:
    with zmq.Context.instance().socket(zmq.REP) as probe:
        return probe.bind_to_random_port(f"tcp://{host}")


def main() -> int:
    parser = argparse.ArgumentParser(description="a hub and its plugins, one process each")
    parser.add_argument("--plugins", nargs="+", default=["a", "b", "c"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    port = free_port(args.host)
    timeout = ["--timeout", str(args.timeout)]
    commands = [["hub.py", "--query-port", str(port), "--plugins", str(len(args.plugins)), *timeout]]
    for name in args.plugins:
        peers = [peer for peer in args.plugins if peer != name]
        hub = f"tcp://{args.host}:{port}"
        commands.append(["plugin.py", "--name", name, "--peers", *peers, "--hub", hub, *timeout])
    print(f"network: hub on port {port}, plugins {', '.join(args.plugins)}")
    processes = [
        subprocess.Popen(
            [sys.executable, os.path.join(HERE, command[0]), *command[1:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]

    failed = 0
    for process in processes:  # each one's output in one piece, hub first
        try:
            output, _ = process.communicate(timeout=args.timeout + 10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output, end="")
        failed += process.returncode != 0
    print(f"network: {len(processes) - failed} of {len(processes)} processes succeeded")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
