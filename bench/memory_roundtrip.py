"""Resident memory over many round trips of 1 KiB messages (zmq_cffi, or pyzmq with --module zmq).

usage: python bench/memory_roundtrip.py [--n 1000000] [--copy|--no-copy] [--module zmq_cffi]

A round trip is DEALER a -> DEALER b -> back to a over inproc, in one thread. With --no-copy,
sends lend the buffer (copy_threshold 0) and receives return Frames over libzmq's memory.
Prints one JSON line: RSS after warm-up, at the end, and the growth in MB.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import time


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--warmup", type=int, default=0, help="default: n // 10, at least 10000")
    p.add_argument("--copy", dest="copy", action="store_true", default=True)
    p.add_argument("--no-copy", dest="copy", action="store_false")
    p.add_argument("--module", default="zmq_cffi")
    args = p.parse_args()
    zmq = importlib.import_module(args.module)
    warmup = args.warmup or max(10_000, args.n // 10)

    ctx = zmq.Context()
    a, b = ctx.socket(zmq.DEALER), ctx.socket(zmq.DEALER)
    for s in (a, b):
        s.linger = 0
        s.rcvtimeo = s.sndtimeo = 10_000
        if not args.copy:
            s.copy_threshold = 0
    a.bind("inproc://memory")
    b.connect("inproc://memory")
    payload = os.urandom(1024)
    copy = args.copy

    def round_trips(count: int) -> None:
        for _ in range(count):
            a.send(payload, copy=copy)
            msg = b.recv(copy=copy)
            b.send(msg, copy=copy)
            back = a.recv(copy=copy)
            if len(back) != 1024:
                raise AssertionError("bad round trip")

    round_trips(warmup)
    gc.collect()
    start_rss = rss_bytes()
    t0 = time.perf_counter()
    round_trips(args.n)
    elapsed = time.perf_counter() - t0
    gc.collect()
    end_rss = rss_bytes()
    a.close()
    b.close()
    ctx.term()
    print(json.dumps({
        "module": args.module,
        "interpreter": platform.python_implementation(),
        "copy": copy,
        "round_trips": args.n,
        "rss_after_warmup_mb": round(start_rss / 1e6, 1),
        "rss_end_mb": round(end_rss / 1e6, 1),
        "growth_mb": round((end_rss - start_rss) / 1e6, 2),
        "us_per_round_trip": round(elapsed / args.n * 1e6, 2),
    }))


if __name__ == "__main__":
    main()
