"""Zero-copy: lend a buffer to libzmq, know when it is given back, read without copying."""
import zmq_cffi as zmq

ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
port = pull.bind_to_random_port("tcp://127.0.0.1")
push = ctx.socket(zmq.PUSH)
push.connect(f"tcp://127.0.0.1:{port}")
for s in (pull, push):
    s.rcvtimeo = s.sndtimeo = 5000

payload = bytearray(1_000_000)  # 1 MB: well above the copy threshold (64 KiB)
payload[:5] = b"start"

# copy=False lends `payload` to libzmq; track=True returns a tracker of that loan.
tracker = push.send(payload, copy=False, track=True)

# copy=False on receive gives a Frame over libzmq's memory: no copy either.
frame = pull.recv(copy=False)
view = memoryview(frame)  # or frame.buffer
print(len(view), bytes(view[:5]))

# Over tcp the loan ends once libzmq has written the data out. (Over inproc the receiver's
# Frame IS the lent buffer, so the loan ends only when that Frame is released.)
tracker.wait(5)  # raises zmq.NotDone if libzmq still holds the buffer after 5 s
print("payload released:", tracker.done)
payload[:5] = b"again"  # safe now: libzmq no longer reads it

# recv_into fills a buffer you own (a truncated message reports its full size).
push.send(b"into a buffer")
buf = bytearray(64)
n = pull.recv_into(buf)
print(n, bytes(buf[:n]))

del view, frame
pull.close()
push.close()
ctx.term()
