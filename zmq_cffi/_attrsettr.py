"""Attribute-style options (`sock.linger = 0`, `ctx.io_threads`), as pyzmq offers them."""
from __future__ import annotations

from typing import Any

from zmq_cffi import constants


class AttributeSetter:
    """Maps unknown lower-case attributes to option constants of the same upper-case name."""

    def __setattr__(self, key: str, value: Any) -> None:
        if key in self.__dict__ or any(key in klass.__dict__ for klass in type(self).__mro__):
            object.__setattr__(self, key, value)
            return
        upper = key.upper()
        opt = getattr(constants, upper, None)
        if not isinstance(opt, int):
            raise AttributeError(f"{type(self).__name__} has no such option: {upper}")
        self._set_attr_opt(upper, opt, value)

    def __getattr__(self, key: str) -> Any:
        # Only reached when normal lookup fails.
        if key.startswith("_"):
            raise AttributeError(key)
        upper = key.upper()
        opt = getattr(constants, upper, None)
        if not isinstance(opt, int):
            raise AttributeError(f"{type(self).__name__} has no such option: {upper}")
        return self._get_attr_opt(upper, opt)

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        self.set(opt, value)

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        return self.get(opt)
