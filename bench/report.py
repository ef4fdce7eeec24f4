"""Print one table of zmq_cffi vs pyzmq from pytest-benchmark JSON files.

usage: python bench/report.py RESULT.json [RESULT.json ...]     (one file per interpreter)

Each scenario gets its own unit, from the extra_info bench/harness.py stores:
  us/<op>   microseconds per operation (median round / operations per round)   lower is better
  msgs/s    messages per second (from the median round)                        higher is better
  GB/s      gigabytes (1e9 bytes) per second (from the median round)            higher is better
  p50, p99  microseconds per round trip, over every timed round trip            lower is better
  peak MiB  peak resident memory of a fresh process running the scenario with only that module
            imported, interpreter included; "+N" is the growth over the process after import
  C, of C   the same loop written in C against zmq_cffi's libzmq (bench/c_limit.c), measured
            right after zmq_cffi in the same run, and zmq_cffi's speed as a share of it
  floor     (second table) zmq_cffi's send()/recv() against a bare loop calling the same C
            helper with the same arguments (plus making the bytes, for recv), in the same run
The ratio is always oriented so that ABOVE 1.00 MEANS ZMQ_CFFI IS BETTER (faster, more
throughput, lower latency, less memory): pyzmq/zmq_cffi for costs, zmq_cffi/pyzmq for rates.
'!' marks a ratio below 0.90 (zmq_cffi noticeably worse). Benchmarks without that extra_info
fall back to the median round time in ms.
"""
from __future__ import annotations

import json
import math
import sys
from typing import Dict, List, Optional, Tuple

FLAG_BELOW = 0.90

Figure = Tuple[str, str, bool]  # (label, extra_info key, higher is better)


# Table order (by scenario name before any "["); scenarios not listed follow in file order.
ORDER = [
    "push_pull_inproc", "push_pull_tcp", "zero_copy_1mib_tcp", "zero_copy_1mib_inproc",
    "req_rep_latency_tcp", "req_rep_inproc", "send_inproc", "recv_inproc", "fill_drain",
    "multipart_3_frames",
    "poller_poll0_10_sockets", "socket_create_close", "asyncio_req_rep", "asyncio_push_pull",
]


def order_key(item):
    index, scenario = item
    base = scenario.split("[")[0]
    return (ORDER.index(base) if base in ORDER else len(ORDER), index)


def figures_for(info: dict) -> List[Figure]:
    kind, unit = info.get("kind"), info.get("unit", "op")
    short = {"round trip": "rt"}.get(unit, unit)
    if kind == "per_call":
        return [(f"us/{short}", "us_per_op", False)]
    if kind == "throughput":
        return [("msgs/s", "msgs_per_s", True)]
    if kind == "bandwidth":
        return [("GB/s", "gb_per_s", True)]
    if kind == "latency":
        return [(f"p50 us/{short}", "p50_us", False), (f"p99 us/{short}", "p99_us", False)]
    return [("ms/round", "median_ms", False)]


def load(path: str):
    data = json.load(open(path))
    impl = data["machine_info"].get("python_implementation", "?")
    rows: Dict[str, Dict[str, dict]] = {}
    for b in data["benchmarks"]:
        params = dict(b.get("params") or {})
        module = params.pop("zmq_module", None)
        if module is None:  # not a module-parametrized benchmark
            continue
        info = dict(b.get("extra_info") or {})
        info["median_ms"] = b["stats"]["median"] * 1e3
        scenario = info.get("scenario") or b["name"].split("[")[0].replace("test_", "", 1) + (
            f"[{','.join(str(v) for v in params.values())}]" if params else "")
        rows.setdefault(scenario, {})["zmq_cffi" if module == "zmq_cffi" else "pyzmq"] = info
    return impl, data.get("zmq_bench", {}), rows


def fmt(value: Optional[float], key: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if key == "msgs_per_s":
        if value >= 1e6:
            return f"{value / 1e6:.2f}M"
        return f"{value / 1e3:.0f}k" if value >= 1e4 else f"{value / 1e3:.1f}k"
    if key == "gb_per_s":
        return f"{value:.2f}"
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"


def ratio(ours: Optional[float], theirs: Optional[float], higher_better: bool) -> Optional[float]:
    if not ours or not theirs:
        return None
    return ours / theirs if higher_better else theirs / ours


def fmt_ratio(r: Optional[float]) -> str:
    if r is None:
        return "n/a  "
    return f"{r:.2f}{' !' if round(r, 2) < FLAG_BELOW else '  '}"


def fmt_share(r: Optional[float]) -> str:
    return "" if r is None else f"{r * 100:.0f}%"


def fmt_mem(info: Optional[dict]) -> str:
    if not info or info.get("peak_rss_mib") is None:
        return "n/a"
    peak, base = info["peak_rss_mib"], info.get("base_rss_mib")
    return f"{peak:.1f} (+{peak - base:.1f})" if base is not None else f"{peak:.1f}"


def describe(impl: str, meta: dict) -> str:
    parts = []
    for name, label in (("zmq_cffi", "zmq_cffi"), ("zmq", "pyzmq")):
        m = meta.get(name) or {}
        if "version" in m:
            backend = m.get("backend", "") if name == "zmq" else ""
            backend = next((f", {b} backend" for b in ("Cython", "CFFI") if b.lower() in backend), "")
            parts.append(f"{label} {m['version']} (libzmq {m.get('libzmq', '?')}{backend})")
    quick = "  [QUICK smoke run: numbers not representative]" if meta.get("quick") else ""
    return f"{impl}: " + " vs ".join(parts) + quick if parts else f"{impl}{quick}"


def main(paths: List[str]) -> int:
    header = (f"{'interp':<8} {'scenario':<26} {'figure':<17} {'zmq_cffi':>9} {'pyzmq':>9} "
              f"{'ratio':>7} {'C':>9} {'of C':>5} | {'peak MiB: zmq_cffi':>18} {'pyzmq':>16} {'ratio':>7}")
    print("zmq_cffi vs pyzmq. ratio: ABOVE 1.00 MEANS ZMQ_CFFI IS BETTER (faster, more throughput,")
    print("lower latency, less memory); '!' marks a ratio below %.2f." % FLAG_BELOW)
    print("us/<op>, p50/p99 us per round trip (rt): lower is better. msgs/s, GB/s (1e9 B/s): higher")
    print("is better. peak MiB: a fresh process running the scenario with only that module imported,")
    print("interpreter included; (+N) = growth over that process right after the import.")
    print("C: the same loop in C over the same libzmq as zmq_cffi; 'of C': zmq_cffi's speed as a")
    print("share of C's (100% = as fast as C).")
    print()
    loaded = [load(p) for p in paths]
    for impl, meta, _ in loaded:
        print("  " + describe(impl, meta))
    print()
    print(header)
    print("-" * len(header))
    summary = []
    for impl, meta, rows in loaded:
        speed_ratios, mem_ratios = [], []
        ordered = sorted(enumerate(rows), key=order_key)
        for _, scenario in ordered:
            r = rows[scenario]
            ours, theirs = r.get("zmq_cffi"), r.get("pyzmq")
            figs = figures_for(ours or theirs)
            for i, (label, key, higher) in enumerate(figs):
                a = (ours or {}).get(key)
                b = (theirs or {}).get(key)
                rr = ratio(a, b, higher)
                if rr:
                    speed_ratios.append(rr)
                c = (ours or {}).get("c_" + key)
                line = (f"{impl:<8} {scenario if i == 0 else '':<26} {label:<17} "
                        f"{fmt(a, key):>9} {fmt(b, key):>9} {fmt_ratio(rr):>7} "
                        f"{fmt(c, key) if c else '':>9} {fmt_share(ratio(a, c, higher)):>5} |")
                if i == 0:
                    ma = (ours or {}).get("peak_rss_mib")
                    mb = (theirs or {}).get("peak_rss_mib")
                    mr = ratio(ma, mb, False)
                    if mr:
                        mem_ratios.append(mr)
                    line += f" {fmt_mem(ours):>18} {fmt_mem(theirs):>16} {fmt_ratio(mr):>7}"
                print(line.rstrip())
        summary.append((impl, geomean(speed_ratios), len(speed_ratios), geomean(mem_ratios)))
        print("-" * len(header))
    floors = [(impl, scenario, r["zmq_cffi"]) for impl, _, rows in loaded
              for scenario, r in rows.items() if (r.get("zmq_cffi") or {}).get("floor_us_per_op")]
    if floors:
        print()
        print("zmq_cffi against its floor: one bare call of the same C helper per operation (recv: plus")
        print("making the bytes; PyPy send: plus the copy into the socket's buffer), same run.")
        print("'over' = zmq_cffi / floor: 1.00 means no cost above the call.")
        print(f"{'interp':<8} {'scenario':<26} {'zmq_cffi us':>11} {'floor us':>9} {'over':>6} {'C us':>7}")
        for impl, scenario, info in floors:
            ours, floor, c = info.get("us_per_op"), info["floor_us_per_op"], info.get("c_us_per_op")
            print(f"{impl:<8} {scenario:<26} {fmt(ours, ''):>11} {fmt(floor, ''):>9} "
                  f"{ours / floor if ours else float('nan'):>6.2f} {fmt(c, '') if c else '':>7}")
        print()
    for impl, speed, n, mem in summary:
        print(f"{impl}: geometric mean of the {n} speed ratios {fmt_ratio(speed).strip()}, "
              f"of the memory ratios {fmt_ratio(mem).strip()}  (>1: zmq_cffi better)")
    return 0


def geomean(values: List[float]) -> Optional[float]:
    values = [v for v in values if v and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
