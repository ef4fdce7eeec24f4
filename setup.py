# setuptools reads the CFFI module from build_ffi.py; everything else is in pyproject.toml.
#
# The one thing added here: the wheel's tag follows the compiled module. build_ffi.py builds it
# against CPython's stable ABI (py_limited_api, Py_LIMITED_API), and bdist_wheel is told the
# matching tag, so `pip wheel .` on CPython 3.11 gives zmq_cffi-...-cp311-abi3-linux_x86_64.whl
# (on 3.9 or 3.10: cp39-abi3). PyPy wheels keep their own tag (pp39-pypy39_pp73-...).
import sys

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel


def _abi3_tag(ext_modules) -> str:
    """'cp3N' for the stable ABI the extensions were built against, '' if not abi3."""
    if sys.implementation.name != "cpython" or not ext_modules:
        return ""
    oldest = 9  # requires-python >= 3.9: an unversioned Py_LIMITED_API wheel claims cp39
    for ext in ext_modules:
        if not getattr(ext, "py_limited_api", False):
            return ""
        for name, value in ext.define_macros or ():
            if name == "Py_LIMITED_API" and value:
                oldest = max(oldest, (int(str(value), 0) >> 16) & 0xFF)
    return f"cp3{oldest}"


class bdist_wheel_abi3(bdist_wheel):
    def finalize_options(self) -> None:
        # cffi_modules has added the extension by now; an explicit --py-limited-api wins.
        if not self.py_limited_api:
            self.py_limited_api = _abi3_tag(self.distribution.ext_modules) or False
        super().finalize_options()


setup(
    cffi_modules=["build_ffi.py:ffibuilder"],
    cmdclass={"bdist_wheel": bdist_wheel_abi3},
)
