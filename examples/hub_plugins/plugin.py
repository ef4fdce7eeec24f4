"""A plugin: registers with the hub, pings it, lists the registry, then executes a command on
each of its peers through the hub (and serves theirs). ZMQStream callbacks on the tornado
IOLoop receive the replies; the plugin's story is a coroutine awaiting them.

    python plugin.py --name a --peers b --hub tcp://127.0.0.1:5570
    python plugin.py --name b --peers a --hub tcp://127.0.0.1:5570

A plugin unregisters and exits once it has executed its commands and every peer has
executed one on it.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, Callable

import zmq
from zmq.eventloop.zmqstream import ZMQStream

import messages


class Plugin:
    def __init__(self, name: str, peers: list[str], hub_uri: str, timeout: float) -> None:
        self.name = name
        self.peers = peers
        self.timeout_ms = int(timeout * 1000)
        self.pending: dict[str, asyncio.Future[Any]] = {}  # session -> reply to our execute_request
        self.callers: set[str] = set()  # plugins that executed a command here
        self.called_by_all_peers = asyncio.Event()
        self.context = zmq.Context.instance()
        # The query socket is used synchronously: a request, then its reply.
        self.query_socket = self.context.socket(zmq.REQ)
        self.query_socket.connect(hub_uri)
        info = self.query({"request": "info"})
        self.hub_name = info["hub"]

        command = self.context.socket(zmq.DEALER)
        command.identity = name.encode()  # the hub routes to us by this name
        command.connect(info["command_uri"])
        self.command_stream = ZMQStream(command)
        self.command_stream.on_recv(self.on_command_recv)
        subscribe = self.context.socket(zmq.SUB)
        subscribe.subscribe(b"")
        subscribe.connect(info["publish_uri"])
        self.subscribe_stream = ZMQStream(subscribe)
        self.subscribe_stream.on_recv(self.on_subscribe_recv)

    def query(self, request: dict[str, Any]) -> Any:
        self.query_socket.send_json(request)
        if not self.query_socket.poll(self.timeout_ms):
            raise TimeoutError("the hub does not answer queries")
        return self.query_socket.recv_json()

    def execute(self, target: str, command: str, **data: Any) -> asyncio.Future[Any]:
        """Send an execute_request to `target`; returns a Future of its result."""
        request = messages.execute_request(self.name, target, command, **data)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[request["header"]["session"]] = future
        self.command_stream.send(messages.dumps(request))
        return future

    def on_command_recv(self, frames: list[bytes]) -> None:
        message = messages.loads(frames[0])
        header, content = message["header"], message["content"]
        if header["msg_type"] == "execute_reply":
            future = self.pending.pop(header["session"])
            if content["status"] == "ok":
                future.set_result(content["result"])
            else:
                future.set_exception(RuntimeError(content["error"]))
        else:  # an execute_request from another plugin
            command, data, source = content["command"], content["data"], header["source"]
            handler: Callable[..., Any] | None = getattr(self, f"on_execute__{command}", None)
            if handler is None:
                reply = messages.execute_reply(message, error=f"{self.name} has no command {command!r}")
            else:
                print(f"{self.name}: executing {command}({data}) for {source}")
                reply = messages.execute_reply(message, result=handler(**data))
            self.command_stream.send(messages.dumps(reply))
            self.callers.add(source)
            if self.callers.issuperset(self.peers):
                self.called_by_all_peers.set()

    def on_subscribe_recv(self, frames: list[bytes]) -> None:
        topic, payload = frames
        print(f"{self.name}: hub published {topic.decode()} {messages.loads(payload)}")

    def on_execute__add(self, x: int, y: int) -> dict[str, Any]:
        return {"sum": x + y, "by": self.name}

    async def run(self) -> None:
        registry = await self.execute(self.hub_name, "register")
        print(f"{self.name}: registered with {self.hub_name}, registry {registry}")
        print(f"{self.name}: ping {self.hub_name} -> {await self.execute(self.hub_name, 'ping')}")
        registry = []
        while not set(self.peers).issubset(registry):  # wait for our peers to register
            await asyncio.sleep(0.05)
            registry = self.query({"request": "registry"})["registry"]
        print(f"{self.name}: all peers registered, registry lists {', '.join(sorted(registry))}")
        for peer in self.peers:
            result = await self.execute(peer, "add", x=2, y=3)
            print(f"{self.name}: {peer}.add(x=2, y=3) -> {result['sum']}, computed by {result['by']}")
        if self.peers:
            await self.called_by_all_peers.wait()  # our peers may still need us
        await self.execute(self.hub_name, "unregister")
        print(f"{self.name}: unregistered, done")

    def close(self) -> None:
        self.command_stream.close(linger=1000)
        self.subscribe_stream.close(linger=0)
        self.query_socket.close(linger=0)
        self.context.term()


async def main(args: argparse.Namespace) -> int:
    print(f"{args.name}: {zmq.__name__} {zmq.__version__}, libzmq {zmq.zmq_version()}")
    plugin = Plugin(args.name, args.peers, args.hub, args.timeout)
    try:
        await asyncio.wait_for(plugin.run(), args.timeout)
    except asyncio.TimeoutError:
        print(f"{args.name}: not done after {args.timeout} s, giving up")
        return 1
    finally:
        plugin.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="a plugin in a hub-and-plugins network")
    parser.add_argument("--name", required=True)
    parser.add_argument("--peers", nargs="*", default=[], help="plugins to execute a command on")
    parser.add_argument("--hub", default="tcp://127.0.0.1:5570", help="the hub's query socket")
    parser.add_argument("--timeout", type=float, default=60.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
