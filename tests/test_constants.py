"""Constants: the enums of the spec with their values, the module-level names, and pyzmq's."""
from __future__ import annotations

import errno
from enum import Enum, IntEnum, IntFlag

import pytest

import zmq_cffi as zmq


# Every enum of the spec (pyzmq-api-reference.txt, "Constants") with its members' values.
SPEC = {
    "SocketType": {
        "PAIR": 0, "PUB": 1, "SUB": 2, "REQ": 3, "REP": 4, "DEALER": 5, "ROUTER": 6, "PULL": 7,
        "PUSH": 8, "XPUB": 9, "XSUB": 10, "STREAM": 11, "SERVER": 12, "CLIENT": 13, "RADIO": 14,
        "DISH": 15, "GATHER": 16, "SCATTER": 17, "DGRAM": 18, "PEER": 19, "CHANNEL": 20,
    },
    "SocketOption": {
        "HWM": 1, "AFFINITY": 4, "ROUTING_ID": 5, "SUBSCRIBE": 6, "UNSUBSCRIBE": 7, "RATE": 8,
        "RECOVERY_IVL": 9, "SNDBUF": 11, "RCVBUF": 12, "RCVMORE": 13, "FD": 14, "EVENTS": 15,
        "TYPE": 16, "LINGER": 17, "RECONNECT_IVL": 18, "BACKLOG": 19, "RECONNECT_IVL_MAX": 21,
        "MAXMSGSIZE": 22, "SNDHWM": 23, "RCVHWM": 24, "MULTICAST_HOPS": 25, "RCVTIMEO": 27,
        "SNDTIMEO": 28, "LAST_ENDPOINT": 32, "ROUTER_MANDATORY": 33, "TCP_KEEPALIVE": 34,
        "TCP_KEEPALIVE_CNT": 35, "TCP_KEEPALIVE_IDLE": 36, "TCP_KEEPALIVE_INTVL": 37,
        "IMMEDIATE": 39, "XPUB_VERBOSE": 40, "ROUTER_RAW": 41, "IPV6": 42, "MECHANISM": 43,
        "PLAIN_SERVER": 44, "PLAIN_USERNAME": 45, "PLAIN_PASSWORD": 46, "CURVE_SERVER": 47,
        "CURVE_PUBLICKEY": 48, "CURVE_SECRETKEY": 49, "CURVE_SERVERKEY": 50, "PROBE_ROUTER": 51,
        "REQ_CORRELATE": 52, "REQ_RELAXED": 53, "CONFLATE": 54, "ZAP_DOMAIN": 55,
        "ROUTER_HANDOVER": 56, "TOS": 57, "CONNECT_ROUTING_ID": 61, "GSSAPI_SERVER": 62,
        "GSSAPI_PRINCIPAL": 63, "GSSAPI_SERVICE_PRINCIPAL": 64, "GSSAPI_PLAINTEXT": 65,
        "HANDSHAKE_IVL": 66, "SOCKS_PROXY": 68, "XPUB_NODROP": 69, "BLOCKY": 70, "XPUB_MANUAL": 71,
        "XPUB_WELCOME_MSG": 72, "STREAM_NOTIFY": 73, "INVERT_MATCHING": 74, "HEARTBEAT_IVL": 75,
        "HEARTBEAT_TTL": 76, "HEARTBEAT_TIMEOUT": 77, "XPUB_VERBOSER": 78, "CONNECT_TIMEOUT": 79,
        "TCP_MAXRT": 80, "THREAD_SAFE": 81, "MULTICAST_MAXTPDU": 84, "VMCI_BUFFER_SIZE": 85,
        "VMCI_BUFFER_MIN_SIZE": 86, "VMCI_BUFFER_MAX_SIZE": 87, "VMCI_CONNECT_TIMEOUT": 88,
        "USE_FD": 89, "GSSAPI_PRINCIPAL_NAMETYPE": 90, "GSSAPI_SERVICE_PRINCIPAL_NAMETYPE": 91,
        "BINDTODEVICE": 92, "TCP_ACCEPT_FILTER": 38, "IPC_FILTER_PID": 58, "IPC_FILTER_UID": 59,
        "IPC_FILTER_GID": 60, "IPV4ONLY": 31, "ZAP_ENFORCE_DOMAIN": 93, "LOOPBACK_FASTPATH": 94,
        "METADATA": 95, "MULTICAST_LOOP": 96, "ROUTER_NOTIFY": 97, "XPUB_MANUAL_LAST_VALUE": 98,
        "SOCKS_USERNAME": 99, "SOCKS_PASSWORD": 100, "IN_BATCH_SIZE": 101, "OUT_BATCH_SIZE": 102,
        "WSS_KEY_PEM": 103, "WSS_CERT_PEM": 104, "WSS_TRUST_PEM": 105, "WSS_HOSTNAME": 106,
        "WSS_TRUST_SYSTEM": 107, "ONLY_FIRST_SUBSCRIBE": 108, "RECONNECT_STOP": 109,
        "HELLO_MSG": 110, "DISCONNECT_MSG": 111, "PRIORITY": 112,
    },
    "Flag": {
        "DONTWAIT": 1, "SNDMORE": 2,
    },
    "PollEvent": {
        "POLLIN": 1, "POLLOUT": 2, "POLLERR": 4, "POLLPRI": 8,
    },
    "ContextOption": {
        "IO_THREADS": 1, "MAX_SOCKETS": 2, "SOCKET_LIMIT": 3, "THREAD_SCHED_POLICY": 4,
        "MAX_MSGSZ": 5, "MSG_T_SIZE": 6, "THREAD_AFFINITY_CPU_ADD": 7,
        "THREAD_AFFINITY_CPU_REMOVE": 8, "THREAD_NAME_PREFIX": 9,
    },
    "MessageOption": {
        "MORE": 1, "SHARED": 3, "SRCFD": 2,
    },
    "Event": {
        "PROTOCOL_ERROR_WS_UNSPECIFIED": 805306368, "PROTOCOL_ERROR_ZMTP_UNSPECIFIED": 268435456,
        "PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND": 268435457,
        "PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE": 268435458,
        "PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE": 268435459,
        "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED": 268435473,
        "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE": 268435474,
        "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO": 268435475,
        "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE": 268435476,
        "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR": 268435477,
        "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY": 268435478,
        "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME": 268435479,
        "PROTOCOL_ERROR_ZMTP_INVALID_METADATA": 268435480,
        "PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC": 285212673,
        "PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH": 285212674,
        "PROTOCOL_ERROR_ZAP_UNSPECIFIED": 536870912,
        "PROTOCOL_ERROR_ZAP_MALFORMED_REPLY": 536870913,
        "PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID": 536870914,
        "PROTOCOL_ERROR_ZAP_BAD_VERSION": 536870915,
        "PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE": 536870916,
        "PROTOCOL_ERROR_ZAP_INVALID_METADATA": 536870917, "CONNECTED": 1, "CONNECT_DELAYED": 2,
        "CONNECT_RETRIED": 4, "LISTENING": 8, "BIND_FAILED": 16, "ACCEPTED": 32,
        "ACCEPT_FAILED": 64, "CLOSED": 128, "CLOSE_FAILED": 256, "DISCONNECTED": 512,
        "MONITOR_STOPPED": 1024, "HANDSHAKE_FAILED_NO_DETAIL": 2048, "HANDSHAKE_SUCCEEDED": 4096,
        "HANDSHAKE_FAILED_PROTOCOL": 8192, "HANDSHAKE_FAILED_AUTH": 16384, "ALL_V1": 65535,
        "PIPES_STATS": 65536, "ALL_V2": 131071,
    },
    "SecurityMechanism": {
        "NULL": 0, "PLAIN": 1, "CURVE": 2, "GSSAPI": 3,
    },
    "DeviceType": {
        "STREAMER": 1, "FORWARDER": 2, "QUEUE": 3,
    },
    "Errno": {
        "EAGAIN": 11, "EFAULT": 14, "EINVAL": 22, "ENOTSUP": 95, "EPROTONOSUPPORT": 93,
        "ENOBUFS": 105, "ENETDOWN": 100, "EADDRINUSE": 98, "EADDRNOTAVAIL": 99,
        "ECONNREFUSED": 111, "EINPROGRESS": 115, "ENOTSOCK": 88, "EMSGSIZE": 90,
        "EAFNOSUPPORT": 97, "ENETUNREACH": 101, "ECONNABORTED": 103, "ECONNRESET": 104,
        "ENOTCONN": 107, "ETIMEDOUT": 110, "EHOSTUNREACH": 113, "ENETRESET": 102,
        "EFSM": 156384763, "ENOCOMPATPROTO": 156384764, "ETERM": 156384765, "EMTHREAD": 156384766,
    },
}

FLAG_ENUMS = {"Flag", "PollEvent", "Event"}


def _top_level_name(enum_name: str, member: str) -> str:
    if enum_name == "Event" and not member.startswith("PROTOCOL_ERROR"):
        return "EVENT_" + member
    return member


# -- the spec's enums -------------------------------------------------------------------------


@pytest.mark.parametrize("enum_name", sorted(SPEC))
def test_enum_values(enum_name):
    enum = getattr(zmq, enum_name)
    assert enum is getattr(zmq.constants, enum_name)
    assert {name: int(enum[name]) for name in SPEC[enum_name]} == SPEC[enum_name]


@pytest.mark.parametrize("enum_name", sorted(SPEC))
def test_enum_kind(enum_name):
    enum = getattr(zmq, enum_name)
    assert issubclass(enum, IntFlag if enum_name in FLAG_ENUMS else IntEnum)


@pytest.mark.parametrize("enum_name", sorted(SPEC))
def test_top_level_names_are_the_members(enum_name):
    enum = getattr(zmq, enum_name)
    for name, member in enum.__members__.items():
        top = _top_level_name(enum_name, name)
        assert getattr(zmq, top) is member, top
        assert getattr(zmq.constants, top) is member, top


def test_members_are_ints():
    assert zmq.PUSH == 8 and isinstance(zmq.PUSH, int)
    assert zmq.POLLIN | zmq.POLLOUT == 3
    assert zmq.EVENT_LISTENING | zmq.EVENT_ACCEPTED == 40
    assert zmq.SocketType(8) is zmq.PUSH
    assert zmq.PUSH.name == "PUSH"


def test_errno_values_are_the_systems():
    for name in ["EAGAIN", "EFAULT", "EINVAL", "ENOTSUP", "EPROTONOSUPPORT", "ENOBUFS",
                 "ENETDOWN", "EADDRINUSE", "EADDRNOTAVAIL", "ECONNREFUSED", "EINPROGRESS",
                 "ENOTSOCK", "EMSGSIZE", "EAFNOSUPPORT", "ENETUNREACH", "ECONNABORTED",
                 "ECONNRESET", "ENOTCONN", "ETIMEDOUT", "EHOSTUNREACH", "ENETRESET"]:
        assert getattr(zmq, name) == getattr(errno, name), name


def test_libzmq_errnos():
    hausnumero = 156384712
    assert zmq.EFSM == hausnumero + 51
    assert zmq.ENOCOMPATPROTO == hausnumero + 52
    assert zmq.ETERM == hausnumero + 53
    assert zmq.EMTHREAD == hausnumero + 54


@pytest.mark.parametrize(
    "name", ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB", "STREAM"]
)
def test_socket_types_match_libzmq(ctx, name):
    s = ctx.socket(getattr(zmq, name))
    assert s.get(zmq.TYPE) == getattr(zmq, name)


def test_option_numbers_match_libzmq(ctx):
    s = ctx.socket(zmq.DEALER)
    s.set(zmq.SNDHWM, 123)
    s.set(zmq.LINGER, 45)
    s.set(zmq.ROUTING_ID, b"me")
    assert s.get(zmq.SocketOption(23)) == 123
    assert s.get(zmq.SocketOption(17)) == 45
    assert s.get(zmq.SocketOption(5)) == b"me"
    assert s.get(zmq.MECHANISM) == zmq.NULL


def test_context_option_numbers_match_libzmq(ctx):
    ctx.set(zmq.ContextOption(2), 77)
    assert ctx.get(zmq.MAX_SOCKETS) == 77
    assert ctx.get(zmq.MSG_T_SIZE) == 64


# -- DRAFT ------------------------------------------------------------------------------------


def test_draft_constants_exist_without_draft_libzmq():
    assert zmq.has("draft") is False
    assert zmq.DRAFT_API is False
    assert (zmq.SERVER, zmq.CLIENT, zmq.RADIO, zmq.DISH) == (12, 13, 14, 15)
    assert (zmq.GATHER, zmq.SCATTER, zmq.DGRAM, zmq.PEER, zmq.CHANNEL) == (16, 17, 18, 19, 20)
    assert zmq.ROUTER_NOTIFY == 97
    assert zmq.EVENT_PIPES_STATS == 65536
    assert zmq.EVENT_ALL_V2 == 131071


# -- deprecated aliases -----------------------------------------------------------------------


def test_aliases():
    assert zmq.NOBLOCK is zmq.DONTWAIT
    assert zmq.IDENTITY is zmq.ROUTING_ID
    assert zmq.CONNECT_RID is zmq.CONNECT_ROUTING_ID
    assert zmq.DELAY_ATTACH_ON_CONNECT is zmq.IMMEDIATE
    assert zmq.FAIL_UNROUTABLE is zmq.ROUTER_MANDATORY
    assert zmq.ROUTER_BEHAVIOR is zmq.ROUTER_MANDATORY
    assert zmq.XREQ is zmq.DEALER
    assert zmq.XREP is zmq.ROUTER
    assert zmq.EVENT_ALL is zmq.EVENT_ALL_V1
    assert zmq.THREAD_PRIORITY == 3


def test_aliases_work(ctx):
    s = ctx.socket(zmq.XREQ)
    assert s.get(zmq.TYPE) == zmq.DEALER
    s.identity = b"old name"
    assert s.get(zmq.ROUTING_ID) == b"old name"
    with pytest.raises(zmq.Again):
        s.recv(zmq.NOBLOCK)


def test_enum_base_classes_reexported():
    assert zmq.constants.Enum is Enum
    assert zmq.constants.IntEnum is IntEnum
    assert zmq.constants.IntFlag is IntFlag


# -- side by side with pyzmq ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pyzmq():
    import zmq as pyzmq_module

    assert pyzmq_module is not zmq
    return pyzmq_module


#: The one value pyzmq shows differently: its bundled libzmq is 4.3.5, where zmq.h changed it.
KNOWN_DIFFERENCES = {"RECONNECT_STOP_AFTER_DISCONNECT": (4, 3)}


def test_known_difference(pyzmq):
    assert pyzmq.zmq_version_info()[:3] != zmq.zmq_version_info()
    assert zmq.zmq_version_info() == (4, 3, 4)
    ours, theirs = zmq.RECONNECT_STOP_AFTER_DISCONNECT, pyzmq.RECONNECT_STOP_AFTER_DISCONNECT
    assert (int(theirs), int(ours)) == KNOWN_DIFFERENCES["RECONNECT_STOP_AFTER_DISCONNECT"]
    assert zmq.ReconnectStop.AFTER_DISCONNECT == 3


def test_every_pyzmq_constant(pyzmq):
    names = pyzmq.constants.__all__
    missing = [n for n in names if not hasattr(zmq, n) or not hasattr(zmq.constants, n)]
    assert missing == []
    differ = {}
    for name in names:
        theirs, ours = getattr(pyzmq, name), getattr(zmq, name)
        if isinstance(theirs, int):
            if int(theirs) != int(ours):
                differ[name] = (int(theirs), int(ours))
            assert type(ours).__name__ == type(theirs).__name__, name
    assert differ == KNOWN_DIFFERENCES


def test_every_pyzmq_enum(pyzmq):
    enums = [n for n in pyzmq.constants.__all__ if isinstance(getattr(pyzmq, n), type)
             and issubclass(getattr(pyzmq, n), Enum) and getattr(pyzmq, n) not in (Enum, IntEnum, IntFlag)]
    assert sorted(enums) == sorted(
        ["ContextOption", "DeviceType", "Errno", "Event", "Flag", "MessageOption", "NormMode",
         "PollEvent", "ReconnectStop", "RouterNotify", "SecurityMechanism", "SocketOption", "SocketType"]
    )
    differ = {}
    for enum_name in enums:
        theirs, ours = getattr(pyzmq, enum_name), getattr(zmq, enum_name)
        assert ours.__mro__[1] is theirs.__mro__[1], enum_name
        assert list(ours.__members__) == list(theirs.__members__), enum_name
        for name, member in theirs.__members__.items():
            if int(member) != int(ours[name]):
                differ[f"{enum_name}.{name}"] = (int(member), int(ours[name]))
    assert differ == {"ReconnectStop.AFTER_DISCONNECT": (4, 3)}


def test_all_lists_every_enum_and_member_in_order():
    # __all__ is spelled out for type checkers; it must stay what the module actually defines.
    from zmq_cffi import constants

    expected = ["Enum", "IntEnum", "IntFlag", *(e.__name__ for e in constants._ENUMS)]
    expected += [n for n, v in vars(constants).items() if not n.startswith("_") and isinstance(v, constants._ENUMS)]
    expected += ["DRAFT_API", "VERSION", "VERSION_MAJOR", "VERSION_MINOR", "VERSION_PATCH"]
    assert constants.__all__ == expected
    assert set(expected) <= set(zmq.__all__)
