"""tornado: a ZMQStream calls back on each message received, on tornado's IOLoop."""
from tornado.ioloop import IOLoop

import zmq_cffi as zmq
from zmq_cffi.eventloop.zmqstream import ZMQStream

ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
port = pull.bind_to_random_port("tcp://127.0.0.1")
push = ctx.socket(zmq.PUSH)
push.connect(f"tcp://127.0.0.1:{port}")

loop = IOLoop.current()
stream = ZMQStream(pull, loop)
received = []


def on_message(frames: list) -> None:
    received.append(frames[0].decode())
    if len(received) == 3:
        loop.stop()


stream.on_recv(on_message)
for word in ["one", "two", "three"]:
    push.send_string(word)
loop.call_later(5, loop.stop)  # a bound on the wait, should a message get lost
loop.start()
print(received)

stream.close()  # closes the socket too, after taking it off the loop
push.close()
ctx.term()
