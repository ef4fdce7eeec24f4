"""Peak resident memory of one scenario, in a fresh process that imports only one module.

usage: python bench/_memory.py MODULE SCENARIO [PARAMS_JSON] [--parent PID]

Runs every round of the scenario (warm-up included, untimed), as the benchmark does, and prints
one JSON line (MiB = 2**20 bytes):
  base_rss_mib       resident memory after importing the module, before the scenario (VmRSS)
  peak_rss_mib       peak resident memory of this process (VmHWM), interpreter included
  peer_peak_rss_mib  peak of its largest helper process (tcp scenarios), else null
VmHWM rather than ru_maxrss: on Linux ru_maxrss survives exec and so counts the memory of the
process that forked this one (here: pytest). bench/harness.py runs this after timing each
scenario and stores the figures in extra_info.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import math


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("module")
    p.add_argument("scenario")
    p.add_argument("params", nargs="?", default="{}")
    p.add_argument("--parent", type=int, default=0)
    a = p.parse_args()

    from _peer import die_with_parent, vm_status_mib
    from scenarios import SCENARIOS

    if a.parent:
        die_with_parent(a.parent)
    zmq = importlib.import_module(a.module)
    gc.collect()
    base = vm_status_mib("self", "VmRSS")
    peers = []
    with SCENARIOS[a.scenario](zmq, **json.loads(a.params)) as workload:
        workload.run_all()
        peers = [peer.peak_rss_mib() for peer in workload.peers]
    peak = vm_status_mib("self", "VmHWM")
    peers = [m for m in peers if not math.isnan(m)]
    print(json.dumps({
        "base_rss_mib": round(base, 1),
        "peak_rss_mib": round(peak, 1),
        "peer_peak_rss_mib": round(max(peers), 1) if peers else None,
    }))


if __name__ == "__main__":
    main()
