"""The frontend client (asyncio): requests, subscribes and pulls through the device, as a
CURVE client of it.

    python frontend.py --serverkey=KEY --queue tcp://127.0.0.1:5555 \
        --pub tcp://127.0.0.1:5557 --push tcp://127.0.0.1:5559 --count 5
"""
from __future__ import annotations

import argparse
import asyncio
import sys

import zmq
import zmq.asyncio

from common import Data, curve_client


async def request(socket: zmq.asyncio.Socket, count: int) -> None:
    """Send `count` requests, one at a time, and check each reply."""
    for n in range(count):
        await socket.send(Data(head={"id": n}, body={"operation": "square", "value": n}).dumps())
        reply = Data.loads(await socket.recv())
        assert reply.head["id"] == n, reply
        print(f"frontend: request {n} -> {reply.body['result']}")
    print(f"frontend: {count} replies")


async def subscribe(socket: zmq.asyncio.Socket, channels: list[str], count: int) -> None:
    """Receive `count` messages on each channel."""
    for channel in channels:
        socket.subscribe(channel)
    received = {channel: 0 for channel in channels}
    while min(received.values()) < count:
        topic, raw = await socket.recv_multipart()
        channel = topic.decode()
        received[channel] += 1
        print(f"frontend: [{channel}] {Data.loads(raw).body['message']}")
    print("frontend: received " + ", ".join(f"{n} on {c}" for c, n in received.items()))


async def pull(socket: zmq.asyncio.Socket, count: int) -> None:
    """Take `count` pieces of work."""
    for _ in range(count):
        work = Data.loads(await socket.recv())
        print(f"frontend: pulled job {work.body['job']}: {work.body['task']}")
    print(f"frontend: pulled {count} jobs")


async def main(args: argparse.Namespace) -> int:
    print(f"frontend: {zmq.__name__} {zmq.__version__}, libzmq {zmq.zmq_version()}")
    context = zmq.asyncio.Context()
    sockets: dict[str, zmq.asyncio.Socket] = {}
    for name, kind, endpoint in (
        ("queue", zmq.REQ, args.queue),
        ("pub", zmq.SUB, args.pub),
        ("push", zmq.PULL, args.push),
    ):
        sockets[name] = context.socket(kind)
        curve_client(sockets[name], args.serverkey)
        sockets[name].connect(endpoint)

    work = asyncio.gather(
        request(sockets["queue"], args.count),
        subscribe(sockets["pub"], args.channels, args.count),
        pull(sockets["push"], args.count),
    )
    try:
        await asyncio.wait_for(work, args.timeout)
    except asyncio.TimeoutError:
        print(f"frontend: not done after {args.timeout} s, giving up")
        return 1
    finally:
        context.destroy(linger=0)
    print("frontend: done")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="asyncio frontend client")
    parser.add_argument(
        "--serverkey", required=True, help="the device's public key: --serverkey=KEY (it may start with '-')"
    )
    parser.add_argument("--queue", default="tcp://127.0.0.1:5555")
    parser.add_argument("--pub", default="tcp://127.0.0.1:5557")
    parser.add_argument("--push", default="tcp://127.0.0.1:5559")
    parser.add_argument("--channels", nargs="+", default=["news", "alerts"])
    parser.add_argument("--count", type=int, default=5, help="replies, messages per channel, jobs")
    parser.add_argument("--timeout", type=float, default=60.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
