"""Utilities from pyzmq's zmq.utils: z85, monitor, jsonapi."""
