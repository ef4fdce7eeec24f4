# The compiled CFFI module (built by build_ffi.py) has no annotations of its own: its `ffi` and
# `lib` objects are typed as Any, and the Python code around them carries the real types.
from typing import Any

ffi: Any
lib: Any
