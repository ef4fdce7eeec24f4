"""ROUTER/DEALER: an asynchronous server that knows which client each request came from."""
import threading

import zmq_cffi as zmq

ctx = zmq.Context()
router = ctx.socket(zmq.ROUTER)
port = router.bind_to_random_port("tcp://127.0.0.1")


def serve(requests: int) -> None:
    for _ in range(requests):
        # The ROUTER prefixes each message with the sender's routing id...
        identity, request = router.recv_multipart()
        # ...and sends a reply to whichever peer the first frame names.
        router.send_multipart([identity, request.upper()])


thread = threading.Thread(target=serve, args=(4,))
thread.start()

clients = []
for name in (b"alice", b"bob"):
    dealer = ctx.socket(zmq.DEALER)
    dealer.routing_id = name  # optional: otherwise libzmq makes one up
    dealer.rcvtimeo = 5000
    dealer.connect(f"tcp://127.0.0.1:{port}")
    clients.append(dealer)

# A DEALER need not wait for an answer before asking again.
for dealer in clients:
    dealer.send(b"first from " + dealer.routing_id)
    dealer.send(b"second from " + dealer.routing_id)
for dealer in clients:
    print(dealer.recv().decode(), "|", dealer.recv().decode())

thread.join()
for s in clients + [router]:
    s.close()
ctx.term()
