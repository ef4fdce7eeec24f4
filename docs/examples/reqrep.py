"""REQ/REP: a client asks, a server answers, in strict turns."""
import threading

import zmq_cffi as zmq

ctx = zmq.Context()

server = ctx.socket(zmq.REP)
port = server.bind_to_random_port("tcp://127.0.0.1")


def serve(requests: int) -> None:
    for _ in range(requests):
        name = server.recv_string()
        server.send_json({"greeting": f"hello, {name}"})


thread = threading.Thread(target=serve, args=(3,))
thread.start()

client = ctx.socket(zmq.REQ)
client.rcvtimeo = 5000  # milliseconds: never wait forever for an answer
client.connect(f"tcp://127.0.0.1:{port}")
for name in ["ada", "grace", "barbara"]:
    client.send_string(name)
    print(client.recv_json()["greeting"])

thread.join()
client.close()
server.close()
ctx.term()
