"""Long fuzz runs: _fuzz_child.py in chunks until a number of examples, every crash, hang and
failure recorded with its seed and stacks, and the run carried on from the next seed.

    python tests/reliability/_fuzz_long.py --python .venv/pypy/bin/python --seed 400000 \\
        --examples 100000 --log /work/fuzz-logs/pypy-400000

Run as root (the child runs in a network namespace with only a loopback interface, as in
test_hostile.py). Each chunk is one child process of --chunk seconds running batches of
--batch examples, seeds SEED, SEED+1, ...; a batch replays with
`_fuzz_child.py SEED 1 0 BATCH` (and ZFZ_NO_SHRINK=1, as here).

Outcomes, in <log>/summary.json (rewritten after every chunk) and <log>/run.log:
- crash: the child died of a signal; faulthandler's traceback is in the chunk's stderr file;
- hang: no line from the child for --hang seconds; the driver sends SIGUSR1 (faulthandler dumps
  every Python thread), attaches gdb for libzmq's threads, then kills the child; also a call
  the child itself saw take too long or a term() that never returned;
- failure: any other property the child checks (a leak, an exception that cannot print, ...).
Examples are counted from the child's "fuzz done" lines: a batch that crashed or hung counts
only in the seed list, never in the examples.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "_fuzz_child.py")
BATCH_RE = re.compile(r"^fuzz batch (\d+) seed (\d+)$")
DONE_RE = re.compile(r"^fuzz done (\d+) seed (\d+) examples (\d+) calls (\d+)$")


def _allow_cores() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def gdb_stacks(pid: int) -> str:
    try:
        proc = subprocess.run(
            ["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
            capture_output=True, text=True, timeout=120,
        )
        return proc.stdout[-60000:] + proc.stderr[-2000:]
    except Exception as e:  # noqa: BLE001 - the stacks are a bonus, the record must go on
        return f"gdb failed: {e!r}"


class Run:
    def __init__(self, args: Any) -> None:
        self.args = args
        self.log_dir = args.log
        os.makedirs(self.log_dir, exist_ok=True)
        self.ns = args.netns
        self.summary: Dict[str, Any] = {
            "python": args.python, "commit": args.commit, "first_seed": args.seed, "batch": args.batch,
            "target_examples": args.examples, "examples": 0, "calls": 0, "chunks": 0, "seeds": [],
            "crashes": [], "hangs": [], "failures": [], "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "elapsed_s": 0.0,
        }
        self.started = time.monotonic()
        self.barren = 0  # chunks in a row that ran no example: a broken set-up, not a finding
        self.cores_kept = 0

    def note(self, text: str) -> None:
        line = f"{time.strftime('%H:%M:%S', time.gmtime())} {text}"
        with open(os.path.join(self.log_dir, "run.log"), "a") as f:
            f.write(line + "\n")
        print(line, flush=True)

    def save(self) -> None:
        self.summary["elapsed_s"] = round(time.monotonic() - self.started, 1)
        path = os.path.join(self.log_dir, "summary.json")
        with open(path + ".tmp", "w") as f:
            json.dump(self.summary, f, indent=1)
        os.replace(path + ".tmp", path)

    def chunk(self, seed: int) -> int:
        """Run one child from `seed`; return the next seed to use."""
        a = self.args
        tmp = tempfile.mkdtemp(prefix="zfz-long-")
        env = dict(os.environ, TMPDIR=tmp, ZFZ_NO_SHRINK="1", HYPOTHESIS_STORAGE_DIRECTORY=os.path.join(self.log_dir, ".hypothesis"))
        if a.pythonpath:
            env["PYTHONPATH"] = a.pythonpath
        cmd = ["ip", "netns", "exec", self.ns, a.python, CHILD, str(seed), str(a.chunk), "0", str(a.batch)]
        err_path = os.path.join(self.log_dir, f"chunk-{seed}.stderr")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp, env=env,
                                preexec_fn=_allow_cores if a.cores else None)
        lines: "queue.Queue[Optional[str]]" = queue.Queue()
        out: List[str] = []

        def pump_err() -> None:
            assert proc.stderr is not None
            with open(err_path, "w") as f:
                for line in proc.stderr:
                    f.write(line)
                    f.flush()
                    lines.put(line.rstrip("\n"))
            lines.put(None)

        def pump_out() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                out.append(line)

        threads = [threading.Thread(target=pump_err, daemon=True), threading.Thread(target=pump_out, daemon=True)]
        for t in threads:
            t.start()
        batch_seed = seed
        done = {"examples": 0, "calls": 0, "seed": None}
        hung = False
        while True:
            try:
                line = lines.get(timeout=a.hang)
            except queue.Empty:
                hung = True
                break
            if line is None:
                break
            m = BATCH_RE.match(line)
            if m:
                batch_seed = int(m.group(2))
            m = DONE_RE.match(line)
            if m:
                done = {"examples": int(m.group(3)), "calls": int(m.group(4)), "seed": int(m.group(2))}
        stacks = ""
        if hung:
            os.kill(proc.pid, signal.SIGUSR1)  # faulthandler: every Python thread, to stderr
            time.sleep(3)  # the dump is written by the child; nothing to poll for
            stacks = gdb_stacks(proc.pid)
            proc.kill()
        rc = proc.wait()
        for t in threads:
            t.join(30)
        if rc < 0 and self.cores_kept < a.cores:
            # The kernel writes "core" into the child's cwd (core_pattern "core"): keep it for gdb.
            for name in os.listdir(tmp):
                if name.startswith("core"):
                    shutil.move(os.path.join(tmp, name), os.path.join(self.log_dir, f"core-{batch_seed}"))
                    self.cores_kept += 1
                    break
        shutil.rmtree(tmp, ignore_errors=True)
        result: Dict[str, Any] = {}
        for line in reversed(out):
            if line.startswith("{"):
                result = json.loads(line)
                break
        examples = result.get("examples", done["examples"])
        calls = result.get("calls", done["calls"])
        s = self.summary
        s["examples"] += examples
        s["calls"] += calls
        s["chunks"] += 1
        last_seed = batch_seed
        s["seeds"].append([seed, last_seed])
        tail = open(err_path).read()[-20000:]
        record = {"seed": batch_seed, "chunk_first_seed": seed, "stderr": err_path}
        if hung:
            path = os.path.join(self.log_dir, f"hang-{batch_seed}.gdb")
            with open(path, "w") as f:
                f.write(stacks)
            record.update(kind="no output", gdb=path, faulthandler=tail[-12000:])
            s["hangs"].append(record)
            self.note(f"HANG seed {batch_seed}: stacks in {err_path}, {path}")
        elif rc < 0:
            record.update(signal=-rc, faulthandler=tail[-12000:])
            s["crashes"].append(record)
            self.note(f"CRASH seed {batch_seed} signal {-rc}: {err_path}")
        elif not result.get("ok", False):
            first = result.get("first_failure") or {}
            error = first.get("error") or result.get("error") or f"rc {rc}, no result"
            record.update(error=error, calls=first.get("calls"), traceback=result.get("traceback"))
            slow = "did not return" in error or " took " in error
            (s["hangs"] if slow else s["failures"]).append(record)
            self.note(f"{'HANG' if slow else 'FAILURE'} seed {batch_seed}: {error}")
        self.barren = 0 if examples else self.barren + 1
        rate = s["examples"] / max(1.0, time.monotonic() - self.started)
        self.note(
            f"chunk seeds {seed}-{last_seed}: +{examples} examples, +{calls} calls; total {s['examples']} examples, "
            f"{s['calls']} calls, {len(s['crashes'])} crashes, {len(s['hangs'])} hangs, {len(s['failures'])} "
            f"failures ({rate:.1f} examples/s)"
        )
        self.save()
        return last_seed + 1

    def run(self) -> int:
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        subprocess.run(["ip", "-n", self.ns, "link", "set", "lo", "up"], check=True)
        try:
            seed = self.args.seed
            while self.summary["examples"] < self.args.examples:
                if self.args.until and time.time() >= self.args.until:
                    self.note("stopped: deadline reached")
                    break
                seed = self.chunk(seed)
                if self.barren >= 3:
                    self.note("stopped: three chunks in a row ran no example (see their stderr files)")
                    break
        finally:
            subprocess.run(["ip", "netns", "del", self.ns])
            self.summary["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.save()
        return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--pythonpath", default="", help="PYTHONPATH of the child (a snapshot of the package)")
    p.add_argument("--commit", default="", help="recorded in the summary")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--examples", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=200, help="examples per hypothesis run (per seed)")
    p.add_argument("--chunk", type=float, default=900, help="seconds per child process")
    p.add_argument("--hang", type=float, default=300, help="seconds without a line from the child")
    p.add_argument("--until", type=float, default=0, help="start no chunk after this Unix time")
    p.add_argument("--netns", default=f"zfzlong{os.getpid()}")
    p.add_argument("--log", required=True)
    p.add_argument("--cores", type=int, default=0, help="keep up to this many core dumps of crashed children")
    args = p.parse_args()
    args.python = os.path.abspath(args.python) if os.sep in args.python else args.python
    args.log = os.path.abspath(args.log)
    return Run(args).run()


if __name__ == "__main__":
    sys.exit(main())
