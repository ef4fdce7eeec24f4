"""The hub: plugins find it on its query socket, then send it commands to run, for itself or
for another plugin. Everything runs in callbacks of ZMQStreams on the tornado IOLoop.

    python hub.py --query-port 5570 --plugins 2

sockets   query (REP)     answers {"request": "info"} and {"request": "registry"}
          command (ROUTER) receives execute requests/replies; routes them by plugin name
          publish (PUB)   announces every change of the registry

The hub stops once --plugins plugins have registered and unregistered again.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, Callable

import zmq
from zmq.eventloop.zmqstream import ZMQStream

import messages


class Hub:
    def __init__(self, name: str, host: str, query_port: int, plugins: int) -> None:
        self.name = name
        self.plugins = plugins  # how many plugins come and go before we stop
        self.registered = 0
        self.registry: list[str] = []  # names of the plugins registered now
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        context = zmq.Context.instance()

        query = context.socket(zmq.REP)
        if query_port:
            query.bind(f"tcp://{host}:{query_port}")
        else:
            query_port = query.bind_to_random_port(f"tcp://{host}")
        self.query_uri = f"tcp://{host}:{query_port}"
        command = context.socket(zmq.ROUTER)
        self.command_uri = f"tcp://{host}:{command.bind_to_random_port(f'tcp://{host}')}"
        self.publish = context.socket(zmq.PUB)
        self.publish_uri = f"tcp://{host}:{self.publish.bind_to_random_port(f'tcp://{host}')}"

        self.query_stream = ZMQStream(query)
        self.query_stream.on_recv(self.on_query_recv)
        self.command_stream = ZMQStream(command)
        self.command_stream.on_recv(self.on_command_recv)

    def on_query_recv(self, frames: list[bytes]) -> None:
        request = messages.loads(frames[0])["request"]
        reply: dict[str, Any]
        if request == "info":
            reply = {"hub": self.name, "command_uri": self.command_uri, "publish_uri": self.publish_uri}
        elif request == "registry":
            reply = {"registry": self.registry}
        else:
            reply = {"error": f"unknown request {request!r}"}
        self.query_stream.send_json(reply)

    def on_command_recv(self, frames: list[bytes]) -> None:
        sender, raw = frames  # a ROUTER puts the sender's identity (the plugin's name) first
        message = messages.loads(raw)
        header = message["header"]
        source, target = header["source"], header["target"]
        if source != sender.decode():
            print(f"hub: dropped a message from {sender!r} claiming to be from {source!r}")
        elif target == self.name and header["msg_type"] == "execute_request":
            self.command_stream.send_multipart([sender, messages.dumps(self.execute(message))])
        elif target in self.registry:
            print(f"hub: routed {header['msg_type']} {source} -> {target}")
            self.command_stream.send_multipart([target.encode(), raw])
        else:
            error = messages.execute_reply(message, error=f"{target!r} is not registered")
            self.command_stream.send_multipart([sender, messages.dumps(error)])
        if self.registered >= self.plugins and not self.registry and not self.finished.done():
            self.command_stream.flush(zmq.POLLOUT)  # send the last reply before we stop
            self.finished.set_result(None)

    def execute(self, request: messages.Message) -> messages.Message:
        command = request["content"]["command"]
        handler: Callable[[str], Any] | None = getattr(self, f"on_execute__{command}", None)
        if handler is None:
            return messages.execute_reply(request, error=f"the hub has no command {command!r}")
        return messages.execute_reply(request, result=handler(request["header"]["source"]))

    def on_execute__register(self, source: str) -> list[str]:
        if source not in self.registry:
            self.registry.append(source)
            self.registered += 1
        print(f"hub: registered {source}")
        self.publish_registry()
        return self.registry

    def on_execute__unregister(self, source: str) -> list[str]:
        self.registry.remove(source)
        print(f"hub: unregistered {source}")
        self.publish_registry()
        return self.registry

    def on_execute__ping(self, source: str) -> str:
        return "pong"

    def publish_registry(self) -> None:
        self.publish.send_multipart([b"registry", messages.dumps(self.registry)])

    def close(self) -> None:
        for stream in (self.query_stream, self.command_stream):
            stream.close(linger=1000)
        self.publish.close(linger=0)
        zmq.Context.instance().term()


async def main(args: argparse.Namespace) -> int:
    print(f"hub: {zmq.__name__} {zmq.__version__}, libzmq {zmq.zmq_version()}")
    hub = Hub(args.name, args.host, args.query_port, args.plugins)
    print(f"hub: query socket on {hub.query_uri}", flush=True)
    try:
        await asyncio.wait_for(hub.finished, args.timeout)
    except asyncio.TimeoutError:
        print(f"hub: still {hub.registry} registered after {args.timeout} s, giving up")
        return 1
    finally:
        hub.close()
    print(f"hub: {hub.registered} plugins came and went, stopping")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="hub of a network of plugins")
    parser.add_argument("--name", default="hub")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--query-port", type=int, default=5570, help="0 picks a free port")
    parser.add_argument("--plugins", type=int, default=2, help="stop after this many came and went")
    parser.add_argument("--timeout", type=float, default=60.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
