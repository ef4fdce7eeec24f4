"""An ordinary pyzmq program: it imports zmq. Run it on zmq_cffi with

    python -m zmq_cffi.run pyzmq_program.py
"""
import zmq

ctx = zmq.Context.instance()
a = ctx.socket(zmq.PAIR)
b = ctx.socket(zmq.PAIR)
a.bind("inproc://pair")
b.connect("inproc://pair")
a.send_string("which zmq?")
print(b.recv_string(), "->", zmq.__name__)
a.close()
b.close()
ctx.term()
