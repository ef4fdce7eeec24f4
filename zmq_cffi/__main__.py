"""`python -m zmq_cffi`: what a bug report needs to say about this installation.

    python -m zmq_cffi           # aligned text
    python -m zmq_cffi --json    # the same facts as one JSON object
"""
from __future__ import annotations

import json
import os
import platform
import sys
from typing import Any, Dict, List, Optional

import zmq_cffi
from zmq_cffi._check import loaded_libzmq_path

#: The capabilities zmq_has() knows about, in libzmq's order.
CAPABILITIES = ("ipc", "pgm", "tipc", "norm", "curve", "gssapi", "draft")


def _cffi_version() -> str:
    try:
        import cffi

        return cffi.__version__
    except ImportError:  # pragma: no cover - cffi is a dependency (built into PyPy)
        return "not importable"


def report() -> Dict[str, Any]:
    """The facts, as a dict of plain values."""
    import zmq_cffi._ffi as compiled

    return {
        "zmq_cffi": zmq_cffi.zmq_cffi_version,
        "pyzmq_api": zmq_cffi.__version__,
        "libzmq": zmq_cffi.zmq_version(),
        "implementation": platform.python_implementation(),
        "python_version": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "cffi": _cffi_version(),
        "libzmq_library": loaded_libzmq_path(),
        "compiled_module": os.path.abspath(compiled.__file__),
        "package": os.path.dirname(os.path.abspath(zmq_cffi.__file__)),
        "capabilities": {name: bool(zmq_cffi.has(name)) for name in CAPABILITIES},
    }


def format_report(facts: Dict[str, Any]) -> str:
    caps = facts["capabilities"]
    rows = [
        ("zmq_cffi", facts["zmq_cffi"]),
        ("pyzmq API", f"{facts['pyzmq_api']} (the pyzmq release whose API zmq_cffi mirrors)"),
        ("libzmq", facts["libzmq"]),
        ("python", f"{facts['implementation']} {facts['python_version']} ({facts['executable']})"),
        ("platform", facts["platform"]),
        ("cffi", facts["cffi"]),
        ("libzmq library", facts["libzmq_library"] or "unknown (no /proc/self/maps)"),
        ("compiled module", facts["compiled_module"]),
        ("package", facts["package"]),
        ("capabilities", " ".join(f"{name}={'yes' if on else 'no'}" for name, on in caps.items())),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in ([], ["--json"]):
        facts = report()
        print(json.dumps(facts, indent=2) if args else format_report(facts))
        return 0
    if args in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    print(f"usage: python -m zmq_cffi [--json]; unknown arguments: {' '.join(args)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
