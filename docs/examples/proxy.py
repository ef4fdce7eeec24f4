"""A proxy between clients (REQ) and workers (REP): ROUTER in front, DEALER behind.

proxy_steerable runs until a control socket tells it to TERMINATE."""
import threading

import zmq_cffi as zmq

ctx = zmq.Context()
done = threading.Event()
frontend = ctx.socket(zmq.ROUTER)
frontend.bind("inproc://frontend")
backend = ctx.socket(zmq.DEALER)
backend.bind("inproc://backend")
control = ctx.socket(zmq.PAIR)
control.bind("inproc://control")


def run_proxy() -> None:
    steer = ctx.socket(zmq.PAIR)
    steer.connect("inproc://control")
    zmq.proxy_steerable(frontend, backend, None, steer)
    steer.close()


def worker(n: int) -> None:
    sock = ctx.socket(zmq.REP)
    sock.connect("inproc://backend")
    while not done.is_set():
        if sock.poll(100):  # milliseconds; look at `done` at least this often
            request = sock.recv_string()
            sock.send_string(f"{request} done by worker {n}")
    sock.close()


proxy_thread = threading.Thread(target=run_proxy)
workers = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
for t in [proxy_thread, *workers]:
    t.start()

client = ctx.socket(zmq.REQ)
client.rcvtimeo = 5000
client.connect("inproc://frontend")
answers = []
for job in range(4):
    client.send_string(f"job {job}")
    answers.append(client.recv_string())
print("\n".join(answers))

done.set()
for t in workers:
    t.join()
control.send(b"TERMINATE")
proxy_thread.join()
for s in (client, control, frontend, backend):
    s.close()
ctx.term()
