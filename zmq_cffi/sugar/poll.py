"""pyzmq's ``zmq.sugar.poll``: the same Poller and select as ``zmq_cffi``'s."""
from zmq_cffi.poll import Poller, select

__all__ = ["Poller", "select"]
