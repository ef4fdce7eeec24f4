"""Attribute-style options (`sock.linger = 0`, `ctx.io_threads`), as pyzmq offers them."""
from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any, Type

from zmq_cffi import constants


def _has_instance_attr(obj: Any, key: str) -> bool:
    """Whether `obj` has `key` as an instance attribute (call it after the class dicts were
    searched, so that no property is run)."""
    try:
        object.__getattribute__(obj, key)
    except AttributeError:
        return False
    return True


class OptionSetter:
    """Assigning an unknown lower-case attribute sets the option of the same upper-case name."""

    if TYPE_CHECKING:
        # Provided by the class this is mixed into (a Socket or a Context).
        def set(self, option: int, optval: Any) -> None: ...
        def get(self, option: int) -> Any: ...

    def __setattr__(self, key: str, value: Any) -> None:
        # Never through self.__dict__: on CPython 3.11 that builds the instance's dict, after
        # which no attribute read on the object is specialised (`sock.linger = 0` used to cost
        # every later recv two generic lookups, ~470 instructions).
        if any(key in klass.__dict__ for klass in type(self).__mro__) or _has_instance_attr(self, key):
            object.__setattr__(self, key, value)
            return
        upper = key.upper()
        opt = getattr(constants, upper, None)
        if not isinstance(opt, int):
            raise AttributeError(f"{type(self).__name__} has no such option: {upper}")
        self._set_attr_opt(upper, opt, value)

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        self.set(opt, value)

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        return self.get(opt)


class AttributeSetter(OptionSetter):
    """Also maps reading an unknown lower-case attribute to the option's value."""

    def __getattr__(self, key: str) -> Any:
        # Only reached when normal lookup fails.
        if key.startswith("_"):
            raise AttributeError(key)
        upper = key.upper()
        opt = getattr(constants, upper, None)
        if not isinstance(opt, int):
            raise AttributeError(f"{type(self).__name__} has no such option: {upper}")
        return self._get_attr_opt(upper, opt)


def add_option_properties(cls: Type[OptionSetter], options: Type[IntEnum]) -> None:
    """Give `cls` a property per option (`linger` and `LINGER`), where it has no such name.

    Properties instead of __getattr__: in CPython 3.11 a class with __getattr__ gets no
    specialised attribute lookups, which cost every `self._handle` in send/recv ~15 ns."""
    for option in options:
        name, opt = option.name, int(option)

        def getter(self: Any, _name: str = name, _opt: int = opt) -> Any:
            return self._get_attr_opt(_name, _opt)

        def setter(self: Any, value: Any, _name: str = name, _opt: int = opt) -> None:
            self._set_attr_opt(_name, _opt, value)

        for attr in (name.lower(), name):
            if not any(attr in klass.__dict__ for klass in cls.__mro__):
                setattr(cls, attr, property(getter, setter, doc=f"The {name} socket option."))
