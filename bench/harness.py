"""Time a scenario with pytest-benchmark, then measure its peak memory in a fresh process.

`run_scenario(benchmark, zmq_module, name, **params)` is the whole body of a benchmark test.
What it leaves in the JSON's extra_info (read by bench/report.py):
  scenario, kind, unit, per_round     what was measured
  us_per_op                           kind per_call: median round time / operations per round
  msgs_per_s, mb_per_s                kind throughput: from the median round time
  gb_per_s                            kind bandwidth (1 GB = 1e9 bytes)
  p50_us, p99_us, mean_us, samples    kind latency: over every timed operation (warm-up excluded)
  base_rss_mib, peak_rss_mib, peer_peak_rss_mib   from bench/_memory.py (unless --bench-no-memory)
  c_us_per_op, c_msgs_per_s, c_gb_per_s   zmq_cffi's rows: the same loop in C (bench/c_limit.c,
                                      the binary named by ZMQ_BENCH_C_LIMIT), run right after
  floor_us_per_op                     zmq_cffi's rows with a floor loop (scenarios.cffi_floor)
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

import importlib.util
from typing import Dict

from scenarios import Workload

HERE = os.path.dirname(os.path.abspath(__file__))
_scenario_copies: Dict[str, dict] = {}


def scenarios_for(module_name: str) -> dict:
    """SCENARIOS from a copy of scenarios.py loaded for this zmq module alone.

    Both modules run in one process, and PyPy's JIT traces loops per code object: with one
    shared copy, the loops in each scenario's run() were traced for the first module and then
    patched with bridges for the second, which slowed whichever ran second by up to 1.5x."""
    if module_name not in _scenario_copies:
        spec = importlib.util.spec_from_file_location(
            f"scenarios_for_{module_name}", os.path.join(HERE, "scenarios.py")
        )
        assert spec is not None and spec.loader is not None
        copy = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = copy  # dataclasses look their module up there
        spec.loader.exec_module(copy)
        _scenario_copies[module_name] = copy.SCENARIOS
    return _scenario_copies[module_name]
MEMORY_TIMEOUT = 90  # s, for one scenario's memory run (pytest-timeout bounds the whole test)


def label(name: str, params: dict) -> str:
    if not params:
        return name
    shown = [f"{v}B" if k == "size" else f"{k}={v}" for k, v in sorted(params.items())]
    return f"{name}[{','.join(shown)}]"


def percentile(sorted_values, q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(q / 100 * len(sorted_values)) - 1)]


def figures(w: Workload, median: float) -> dict:
    info = {"kind": w.kind, "unit": w.unit, "per_round": w.per_round}
    if w.kind == "per_call":
        info["us_per_op"] = median / w.per_round * 1e6
    elif w.kind == "throughput":
        info["msgs_per_s"] = w.per_round / median
        info["mb_per_s"] = w.bytes_per_round / median / 1e6
    elif w.kind == "bandwidth":
        info["gb_per_s"] = w.bytes_per_round / median / 1e9
        info["msgs_per_s"] = w.per_round / median
    elif w.kind == "latency":
        timed = sorted(w.samples[-w.rounds * w.per_round:])
        info.update(
            p50_us=percentile(timed, 50) * 1e6,
            p99_us=percentile(timed, 99) * 1e6,
            mean_us=sum(timed) / len(timed) * 1e6,
            samples=len(timed),
        )
    else:
        raise ValueError(f"unknown kind {w.kind!r}")
    info.update(w.info)
    return info


def measure_memory(module: str, name: str, params: dict) -> dict:
    cmd = [sys.executable, os.path.join(HERE, "_memory.py"), module, name, json.dumps(params),
           "--parent", str(os.getpid())]
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=MEMORY_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"memory run of {name} {params} on {module} took over {MEMORY_TIMEOUT}s")
    if done.returncode != 0:
        raise RuntimeError(f"memory run of {name} {params} on {module} failed "
                           f"({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_c_limit(w: Workload) -> dict:
    """The scenario's loop in C, same sizes and rounds: {"c_<figure>": value}, or {} when
    there is no C version or no binary (bench.sh builds it and sets ZMQ_BENCH_C_LIMIT)."""
    binary = os.environ.get("ZMQ_BENCH_C_LIMIT", "")
    if w.c_limit is None or not binary or not os.path.exists(binary):
        return {}
    name, size = w.c_limit
    cmd = [binary, name, str(size), str(w.per_round), str(w.rounds), str(w.warmup_rounds)]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=MEMORY_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {f"c_{k}": v for k, v in figures.items() if k != "rounds"}


def measure_floor(w: Workload) -> dict:
    """Median round time of the floor loop (same rounds, setup and teardown as run())."""
    if w.floor is None:
        return {}
    times = []
    for i in range(w.warmup_rounds + w.rounds):
        if w.setup:
            w.setup()
        t0 = time.perf_counter()
        w.floor()
        elapsed = time.perf_counter() - t0
        if w.teardown:
            w.teardown()
        if i >= w.warmup_rounds:
            times.append(elapsed)
    times.sort()
    return {"floor_us_per_op": times[len(times) // 2] / w.per_round * 1e6}


def run_scenario(benchmark, zmq_module, name: str, **params) -> None:
    benchmark.extra_info["scenario"] = label(name, params)
    with scenarios_for(zmq_module.__name__)[name](zmq_module, **params) as w:
        benchmark.pedantic(w.run, rounds=w.rounds, warmup_rounds=w.warmup_rounds,
                           setup=w.setup, teardown=w.teardown)
        stats = getattr(benchmark.stats, "stats", None)
        if stats is not None:  # None with --benchmark-disable
            benchmark.extra_info.update(figures(w, stats.median))
            if zmq_module.__name__ == "zmq_cffi":
                benchmark.extra_info.update(measure_floor(w))
                benchmark.extra_info.update(measure_c_limit(w))
    if benchmark.enabled and os.environ.get("ZMQ_BENCH_MEMORY", "1") != "0":
        benchmark.extra_info.update(measure_memory(zmq_module.__name__, name, params))
