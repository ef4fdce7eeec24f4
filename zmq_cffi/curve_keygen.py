"""Generate a CURVE key pair from the command line, as libzmq's curve_keygen does.

    python3 -m zmq.curve_keygen             # (through zmq_cffi.run) or python -m zmq_cffi.curve_keygen
    python3 -m zmq.curve_keygen --json      # {"public": ..., "secret": ...}
    python3 -m zmq.curve_keygen --secret S  # the public key of an existing Z85 secret key
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from zmq_cffi.backend import curve_keypair, curve_public

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        # The command programs and docs written for pyzmq use.
        prog="python3 -m zmq.curve_keygen",
        description="Generate a CURVE key pair (Z85 text) for CURVE_PUBLICKEY/CURVE_SECRETKEY.",
    )
    parser.add_argument("--json", action="store_true", help="print the keys as a JSON object")
    parser.add_argument(
        "--secret", metavar="SECRET", help="an existing Z85 secret key: print it with its public key"
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    """Print a new key pair (or the pair of --secret) as text or, with --json, as JSON."""
    args = _parser().parse_args(argv)
    if args.secret:
        secret = args.secret.encode("ascii")
        public = curve_public(secret)
    else:
        public, secret = curve_keypair()
    keys = {"public": public.decode("ascii"), "secret": secret.decode("ascii")}
    if args.json:
        print(json.dumps(keys, indent=1))
    else:
        sys.stdout.write(
            f"== CURVE PUBLIC KEY ==\n{keys['public']}\n\n== CURVE SECRET KEY ==\n{keys['secret']}\n"
        )


if __name__ == "__main__":
    main()
