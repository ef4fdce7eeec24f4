"""PUB/SUB: a publisher broadcasts, each subscriber keeps the topics it asked for."""
import time

import zmq_cffi as zmq

ctx = zmq.Context()

publisher = ctx.socket(zmq.PUB)
port = publisher.bind_to_random_port("tcp://127.0.0.1")

subscriber = ctx.socket(zmq.SUB)
subscriber.rcvtimeo = 5000
subscriber.connect(f"tcp://127.0.0.1:{port}")
subscriber.subscribe(b"weather.")  # a prefix: every topic starting with it

# A subscription takes a moment to reach the publisher; until then messages are dropped.
# Publish until the first one arrives, then send the real data.
while not subscriber.poll(100):
    publisher.send_multipart([b"weather.sync", b""])
subscriber.recv_multipart()

publisher.send_multipart([b"sports.football", b"2-1"])  # not subscribed: filtered out
publisher.send_multipart([b"weather.paris", b"18C"])
publisher.send_multipart([b"weather.oslo", b"-3C"])
for _ in range(2):
    topic, body = subscriber.recv_multipart()
    print(topic.decode(), body.decode())

subscriber.close()
publisher.close()
ctx.term()
