"""Logging over zmq: see zmq_cffi.log.handlers (PUBHandler, TopicLogger)."""
