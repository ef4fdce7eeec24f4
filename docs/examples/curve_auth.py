"""CURVE: an encrypted connection, with the server accepting only known client keys (ZAP)."""
import os
import tempfile

import zmq_cffi as zmq
from zmq_cffi.auth import create_certificates, load_certificate
from zmq_cffi.auth.thread import ThreadAuthenticator

if not zmq.has("curve"):
    raise SystemExit("this libzmq was built without CURVE")

with tempfile.TemporaryDirectory() as keys:
    # Normally made once, e.g. with a small script, and distributed out of band.
    allowed = os.path.join(keys, "allowed")
    os.mkdir(allowed)
    _, server_secret_file = create_certificates(keys, "server")
    client_public_file, client_secret_file = create_certificates(keys, "client")
    os.rename(client_public_file, os.path.join(allowed, "client.key"))
    server_public, server_secret = load_certificate(server_secret_file)
    client_public, client_secret = load_certificate(client_secret_file)

    ctx = zmq.Context()
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.allow("127.0.0.1")  # only this address may connect...
    auth.configure_curve(domain="*", location=allowed)  # ...with a key found in `allowed`

    server = ctx.socket(zmq.REP)
    server.curve_secretkey = server_secret
    server.curve_publickey = server_public
    server.curve_server = True  # this socket is the CURVE server
    port = server.bind_to_random_port("tcp://127.0.0.1")

    client = ctx.socket(zmq.REQ)
    client.curve_secretkey = client_secret
    client.curve_publickey = client_public
    client.curve_serverkey = server_public  # the client must know the server's public key
    client.rcvtimeo = 5000
    client.connect(f"tcp://127.0.0.1:{port}")

    client.send(b"secret question")
    print(server.recv())
    server.send(b"secret answer")
    print(client.recv())

    client.close()
    server.close()
    auth.stop()
    ctx.term()
