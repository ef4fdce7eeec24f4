"""The device: one proxy per mode between a frontend port (clients) and a backend port
(workers), every bound socket a CURVE server.

    python device.py --base-port 5555            # queue 5555/5556, pub 5557/5558, push 5559/5560

It prints its endpoints and its public key (clients need it as --serverkey), then relays
until Ctrl-C or --timeout seconds.
"""
from __future__ import annotations

import argparse
import sys
import threading

import zmq
from zmq.devices import ThreadDevice

from common import MODES


def main() -> int:
    parser = argparse.ArgumentParser(description="CURVE-secured proxy device")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=5555, help="0 picks free ports")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to run")
    args = parser.parse_args()

    print(f"device: {zmq.__name__} {zmq.__version__}, libzmq {zmq.zmq_version()}")
    public, secret = zmq.curve_keypair()

    devices: list[ThreadDevice] = []
    for i, (mode, (frontend_type, backend_type)) in enumerate(MODES.items()):
        # The device makes its sockets in its own thread; here we only say what to do with them.
        device = ThreadDevice(zmq.QUEUE, frontend_type, backend_type)
        for setsockopt in (device.setsockopt_in, device.setsockopt_out):
            setsockopt(zmq.CURVE_SERVER, 1)
            setsockopt(zmq.CURVE_SECRETKEY, secret)
            setsockopt(zmq.LINGER, 0)  # on shutdown, drop what is still queued
        host = f"tcp://{args.host}"
        if args.base_port:
            ports = (args.base_port + 2 * i, args.base_port + 2 * i + 1)
            device.bind_in(f"{host}:{ports[0]}")
            device.bind_out(f"{host}:{ports[1]}")
        else:
            ports = (device.bind_in_to_random_port(host), device.bind_out_to_random_port(host))
        device.start()
        devices.append(device)
        print(f"device: {mode} frontend={host}:{ports[0]} backend={host}:{ports[1]}")
    try:
        print(f"device: serverkey={public.decode()}", flush=True)  # ready: Ctrl-C stops us
        threading.Event().wait(args.timeout)
    except KeyboardInterrupt:
        pass
    # Terminating the context makes each proxy return (ETERM); the devices close their sockets.
    zmq.Context.instance().term()
    for device in devices:
        device.join()
    print("device: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
