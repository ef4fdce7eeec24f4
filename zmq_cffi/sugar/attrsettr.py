"""pyzmq's ``zmq.sugar.attrsettr``: the mixin behind attribute-style options."""
from zmq_cffi._attrsettr import AttributeSetter, OptionSetter

__all__ = ["AttributeSetter", "OptionSetter"]
