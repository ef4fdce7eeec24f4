"""PUSH/PULL: a ventilator spreads tasks over workers, a sink collects the results."""
import threading

import zmq_cffi as zmq

ctx = zmq.Context()
done = threading.Event()
tasks_url = "inproc://tasks"
results_url = "inproc://results"

ventilator = ctx.socket(zmq.PUSH)
ventilator.bind(tasks_url)
sink = ctx.socket(zmq.PULL)
sink.rcvtimeo = 5000
sink.bind(results_url)


def worker(n: int) -> None:
    tasks = ctx.socket(zmq.PULL)
    tasks.connect(tasks_url)
    results = ctx.socket(zmq.PUSH)
    results.connect(results_url)
    while not done.is_set():
        if tasks.poll(100):  # milliseconds; look at `done` at least this often
            number = tasks.recv_json()
            results.send_json([n, number * number])
    tasks.close()
    results.close()


workers = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
for w in workers:
    w.start()

for number in range(10):
    ventilator.send_json(number)
total = sum(sink.recv_json()[1] for _ in range(10))
print("sum of squares:", total)

done.set()
for w in workers:
    w.join()
ventilator.close()
sink.close()
ctx.term()
