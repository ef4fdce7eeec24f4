"""asyncio: the same REQ/REP exchange, with coroutines instead of threads."""
import asyncio

import zmq_cffi as zmq
import zmq_cffi.asyncio as zaio


async def server(sock: zaio.Socket, requests: int) -> None:
    for _ in range(requests):
        name = await sock.recv_string()
        await sock.send_string(f"hello, {name}")


async def main() -> None:
    ctx = zaio.Context()
    rep = ctx.socket(zmq.REP)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    req = ctx.socket(zmq.REQ)
    req.connect(f"tcp://127.0.0.1:{port}")

    task = asyncio.create_task(server(rep, 2))
    for name in ["ada", "grace"]:
        await req.send_string(name)
        # Every call returns an awaitable; asyncio.wait_for bounds the wait.
        print(await asyncio.wait_for(req.recv_string(), timeout=5))
    await task

    # Poller.poll is awaitable too: wait until the server has a request to read.
    await req.send_string("anyone there?")
    poller = zaio.Poller()
    poller.register(rep, zmq.POLLIN)
    events = dict(await poller.poll(timeout=5000))
    print("server readable:", bool(events.get(rep, 0) & zmq.POLLIN))

    req.close(linger=0)
    rep.close(linger=0)
    ctx.term()


asyncio.run(main())
