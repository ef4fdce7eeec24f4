"""A receive loop does not grow memory: the short form of bench/memory_roundtrip.py."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "memory_roundtrip.py"


@pytest.mark.parametrize("copy", ["--copy", "--no-copy"])
def test_round_trips_of_1kib_do_not_grow_resident_memory(copy):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", "150000", "--warmup", "30000", copy],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["round_trips"] == 150000
    assert figures["growth_mb"] < 10, figures


_DROPPED_FRAMES = """
import json, resource
import zmq_cffi as zmq
ctx = zmq.Context()
a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
for s in (a, b):
    s.linger = 0
    s.rcvtimeo = s.sndtimeo = 10000
a.bind("inproc://dropped")
b.connect("inproc://dropped")
payload = b"m" * (1 << 20)
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for i in range(1500):
    a.send(payload)  # copied, so each received Frame holds 1 MiB that libzmq allocated
    frame = b.recv(copy=False)
    assert len(frame) == len(payload)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_mb": (peak - start) / 1024}))
ctx.destroy()
"""


def test_dropped_1mib_frames_do_not_pile_up():
    # On PyPy a dropped Frame's message is freed only when the GC finalizes it. recv(copy=False)
    # tells the GC about received memory beyond the first 256 MiB not yet released (hinting
    # all of it forced a major collection every ~80 MiB at GB/s), so 1.5 GB of dropped frames
    # must still be reclaimed on the way: without hints the process would grow by ~1,500 MiB.
    result = subprocess.run([sys.executable, "-c", _DROPPED_FRAMES], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["growth_mb"] < 700, figures
