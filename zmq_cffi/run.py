"""Run unmodified pyzmq programs on zmq_cffi.

    python -m zmq_cffi.run prog.py [args...]
    python -m zmq_cffi.run -m package.module [args...]

or, when embedding, before anything imports zmq:

    import zmq_cffi.run
    zmq_cffi.run.install()

`import zmq`, `import zmq.asyncio`, `from zmq.eventloop import zmqstream`, ... then give the
zmq_cffi modules of the same names (the same module objects), whether pyzmq is installed or
not. The runner also puts a small `zmq` package first on PYTHONPATH, so Python processes the
program starts (subprocess, multiprocessing) are redirected too.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
from types import ModuleType
from typing import Any, List, Optional, Sequence

__all__ = ["install", "uninstall", "main"]

_SHIM_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_as_zmq")


def _target(fullname: str) -> Optional[str]:
    if fullname == "zmq":
        return "zmq_cffi"
    if fullname.startswith("zmq."):
        return "zmq_cffi" + fullname[3:]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        # The zmq_cffi module is already executed: the alias shares it.
        pass

    def get_code(self, fullname: str) -> Any:
        """The target's code: `python -m zmq.X` (runpy) runs zmq_cffi.X as __main__."""
        spec = importlib.util.find_spec(self.target)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "get_code"):
            raise ImportError(f"no code for {fullname} ({self.target})", name=fullname)
        return loader.get_code(self.target)


class ZmqAliasFinder(importlib.abc.MetaPathFinder):
    """Finds `zmq` and `zmq.X` as the zmq_cffi modules `zmq_cffi` and `zmq_cffi.X`."""

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: Optional[ModuleType] = None) -> Optional[importlib.machinery.ModuleSpec]:
        name = _target(fullname)
        if name is None:
            return None
        if importlib.util.find_spec(name) is None:
            return None  # zmq_cffi has no such module: the ImportError names zmq.X
        module_spec = importlib.util.find_spec(name)
        is_package = module_spec is not None and module_spec.submodule_search_locations is not None
        # The target's origin: runpy makes it sys.argv[0] for `python -m zmq.X`.
        origin = module_spec.origin if module_spec is not None else None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(name), origin=origin, is_package=is_package)


_finder = ZmqAliasFinder()


def install() -> None:
    """Make `import zmq` (and every `zmq.X`) import zmq_cffi from now on.

    Raises RuntimeError if pyzmq itself was already imported in this process."""
    existing = sys.modules.get("zmq")
    ours = getattr(existing, "__name__", "").startswith("zmq_cffi") or (
        # The stand-in package of _as_zmq/, importing itself in a child process.
        os.path.dirname(os.path.dirname(getattr(existing, "__file__", "") or "")) == _SHIM_DIR
    )
    if existing is not None and not ours:
        raise RuntimeError(
            "pyzmq's zmq is already imported; call zmq_cffi.run.install() before anything imports zmq"
        )
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    import zmq_cffi

    sys.modules["zmq"] = zmq_cffi
    for name, module in list(sys.modules.items()):
        if name.startswith("zmq_cffi.") and module is not None:
            sys.modules.setdefault("zmq" + name[len("zmq_cffi"):], module)


def uninstall() -> None:
    """Undo install(): later imports of zmq find pyzmq (if installed) again."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == "zmq" or n.startswith("zmq.")]:
        if getattr(sys.modules[name], "__name__", "").startswith("zmq_cffi"):
            del sys.modules[name]


def _export_to_children() -> None:
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if _SHIM_DIR not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([_SHIM_DIR, *paths])


USAGE = "usage: python -m zmq_cffi.run (prog.py | -m module) [args...]"


def main(argv: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not args else sys.stdout)
        raise SystemExit(2 if not args else 0)
    install()
    _export_to_children()
    if args[0] == "-m":
        if len(args) < 2:
            raise SystemExit(USAGE)
        sys.argv = args[1:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
