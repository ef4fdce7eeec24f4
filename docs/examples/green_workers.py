"""gevent: greenlets share sockets; a blocking recv or send lets the others run."""
import gevent

import zmq_cffi.green as zmq

ctx = zmq.Context()
tasks = ctx.socket(zmq.PUSH)
port = tasks.bind_to_random_port("tcp://127.0.0.1")
results = ctx.socket(zmq.PULL)
results.bind("inproc://results")
for s in (tasks, results):
    s.linger = 0
    s.rcvtimeo = s.sndtimeo = 5000  # a wait longer than this raises zmq.Again


def worker(n: int) -> None:
    with ctx.socket(zmq.PULL) as pull, ctx.socket(zmq.PUSH) as push:
        pull.rcvtimeo = 5000
        pull.connect(f"tcp://127.0.0.1:{port}")
        push.connect("inproc://results")
        while True:
            number = pull.recv_json()  # waits here while other greenlets run
            if number is None:
                return
            push.send_json([n, number * number])


workers = [gevent.spawn(worker, n) for n in range(3)]
for number in range(30):
    tasks.send_json(number)
total = sum(results.recv_json()[1] for _ in range(30))
for _ in workers:
    tasks.send_json(None)
gevent.joinall(workers, timeout=5)
print("sum of squares:", total)  # 8555
ctx.destroy()
