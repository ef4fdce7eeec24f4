"""SSH tunnels for zmq connections: see zmq_cffi.ssh.tunnel."""
from zmq_cffi.ssh.tunnel import *  # noqa: F401,F403
from zmq_cffi.ssh.tunnel import __all__  # noqa: F401
