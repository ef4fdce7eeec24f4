"""Attribute-style options (`sock.linger = 0`, `ctx.io_threads`), as pyzmq offers them."""
from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any, Type

from zmq_cffi import constants
from zmq_cffi.error import ZMQError


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
        if _declared(type(self), key) or _has_instance_attr(self, key):
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


def _declared(cls: type, key: str) -> bool:
    """Whether `key` is a name of the class or of a base: defined there, or only annotated
    (`custom_attr: int`), as subclasses declare their own attributes in pyzmq."""
    for klass in cls.__mro__:
        if key in klass.__dict__ or key in klass.__dict__.get("__annotations__", ()):
            return True
    return False


def _read_option(obj: Any, name: str, opt: int) -> Any:
    """The option's value; AttributeError where libzmq has none to give (EINVAL: write-only
    options such as SUBSCRIBE, or not for this socket type; EFAULT), as pyzmq does, so that
    getattr(obj, name, default) and unittest.mock's spec=obj work over every name of dir()."""
    try:
        return obj._get_attr_opt(name, opt)
    except ZMQError as e:
        if e.errno in (constants.EINVAL, constants.EFAULT):
            raise AttributeError(f"{name} cannot be read here (write-only or not for this {type(obj).__name__})") from None
        raise


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
        return _read_option(self, upper, opt)


def add_option_properties(cls: Type[OptionSetter], options: Type[IntEnum]) -> None:
    """Give `cls` a property per option (`linger` and `LINGER`), where it has no such name.

    Properties instead of __getattr__: in CPython 3.11 a class with __getattr__ gets no
    specialised attribute lookups, which cost every `self._handle` in send/recv ~15 ns."""
    # __members__, not iteration: aliases (IDENTITY for ROUTING_ID) get their names too.
    for name, option in options.__members__.items():
        opt = int(option)

        def getter(self: Any, _name: str = name, _opt: int = opt) -> Any:
            return _read_option(self, _name, _opt)

        def setter(self: Any, value: Any, _name: str = name, _opt: int = opt) -> None:
            self._set_attr_opt(_name, _opt, value)

        for attr in (name.lower(), name):
            if not any(attr in klass.__dict__ for klass in cls.__mro__):
                setattr(cls, attr, property(getter, setter, doc=f"The {name} socket option."))
