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
