"""The backend worker (asyncio): answers requests, publishes to channels and pushes work,
all through the device, as a CURVE client of it.

    python backend.py --serverkey=KEY --queue tcp://127.0.0.1:5556 \
        --pub tcp://127.0.0.1:5558 --push tcp://127.0.0.1:5560 --count 5
"""
from __future__ import annotations

import argparse
import asyncio
import sys

import zmq
import zmq.asyncio

from common import Data, curve_client


async def serve(socket: zmq.asyncio.Socket, count: int) -> None:
    """Answer `count` requests: the square of body["value"]."""
    for _ in range(count):
        request = Data.loads(await socket.recv())
        value = request.body["value"]
        reply = Data(head={"id": request.head["id"]}, body={"result": value * value})
        await socket.send(reply.dumps())
    print(f"backend: answered {count} requests")


async def publish(socket: zmq.asyncio.Socket, channels: list[str], count: int) -> None:
    """Publish `count` messages on each channel, once someone has subscribed to it.

    The socket is an XPUB: it receives the subscriptions (b"\\x01" + channel) that the
    device passes on from the frontend, so no message goes out before anyone listens."""
    subscribed: set[str] = set()
    while not subscribed.issuperset(channels):
        event = await socket.recv()
        if event[:1] == b"\x01":
            subscribed.add(event[1:].decode())
    for n in range(count):
        for channel in channels:
            data = Data(meta={"channel": channel}, body={"n": n, "message": f"{channel} update {n}"})
            await socket.send_multipart([channel.encode(), data.dumps()])
    print(f"backend: published {count} messages on each of {', '.join(channels)}")


async def push(socket: zmq.asyncio.Socket, count: int) -> None:
    """Push `count` pieces of work."""
    for n in range(count):
        await socket.send(Data(body={"job": n, "task": f"task {n}"}).dumps())
    print(f"backend: pushed {count} jobs")


async def main(args: argparse.Namespace) -> int:
    print(f"backend: {zmq.__name__} {zmq.__version__}, libzmq {zmq.zmq_version()}")
    context = zmq.asyncio.Context()
    sockets: dict[str, zmq.asyncio.Socket] = {}
    for name, kind, endpoint in (
        ("queue", zmq.REP, args.queue),
        ("pub", zmq.XPUB, args.pub),
        ("push", zmq.PUSH, args.push),
    ):
        sockets[name] = context.socket(kind)
        curve_client(sockets[name], args.serverkey)
        sockets[name].connect(endpoint)

    work = asyncio.gather(
        serve(sockets["queue"], args.count),
        publish(sockets["pub"], args.channels, args.count),
        push(sockets["push"], args.count),
    )
    try:
        await asyncio.wait_for(work, args.timeout)
    except asyncio.TimeoutError:
        print(f"backend: not done after {args.timeout} s, giving up")
        return 1
    finally:
        context.destroy(linger=2000)  # up to 2 s for what is still queued to reach the device
    print("backend: done")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="asyncio backend worker")
    parser.add_argument(
        "--serverkey", required=True, help="the device's public key: --serverkey=KEY (it may start with '-')"
    )
    parser.add_argument("--queue", default="tcp://127.0.0.1:5556")
    parser.add_argument("--pub", default="tcp://127.0.0.1:5558")
    parser.add_argument("--push", default="tcp://127.0.0.1:5560")
    parser.add_argument("--channels", nargs="+", default=["news", "alerts"])
    parser.add_argument("--count", type=int, default=5, help="requests, messages per channel, jobs")
    parser.add_argument("--timeout", type=float, default=60.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
