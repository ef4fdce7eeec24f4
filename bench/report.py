"""Print one table of zmq_cffi vs pyzmq from pytest-benchmark JSON files.

usage: python bench/report.py RESULT.json [RESULT.json ...]
Each file is one interpreter's run; the ratio is pyzmq time / zmq_cffi time (above 1: faster).
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict


def load(path: str):
    data = json.load(open(path))
    impl = data["machine_info"].get("python_implementation", "?")
    rows = defaultdict(dict)
    for b in data["benchmarks"]:
        name = b["name"]
        module = "zmq_cffi" if "zmq_cffi" in name else "pyzmq"
        scenario = re.sub(r"\[?zmq_cffi-?|\[?zmq-?", "[", name).replace("[]", "").replace("[[", "[")
        scenario = scenario.replace("test_", "", 1).rstrip("-").replace("-]", "]")
        rows[scenario][module] = b["stats"]["median"]
    return impl, rows


def main(paths):
    print(f"{'interpreter':<11} {'scenario':<34} {'zmq_cffi':>11} {'pyzmq':>11} {'ratio':>7}")
    for path in paths:
        impl, rows = load(path)
        for scenario, r in sorted(rows.items()):
            ours, theirs = r.get("zmq_cffi"), r.get("pyzmq")
            ratio = f"{theirs / ours:6.2f}x" if ours and theirs else "   n/a"
            fmt = lambda v: f"{v * 1e3:9.3f}ms" if v else "        n/a"
            print(f"{impl:<11} {scenario:<34} {fmt(ours):>11} {fmt(theirs):>11} {ratio:>7}")


if __name__ == "__main__":
    main(sys.argv[1:])
