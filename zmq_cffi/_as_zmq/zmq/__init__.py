# A stand-in `zmq` package that zmq_cffi.run puts first on PYTHONPATH for the processes a
# program starts: importing it installs zmq_cffi as zmq, and the import returns zmq_cffi.
import zmq_cffi.run as _run

_run.install()
