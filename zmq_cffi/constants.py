"""libzmq constants, with the names and enum classes of pyzmq's ``zmq.constants``.

Every value comes from the compiled CFFI module (``lib.ZMQ_*``, read from zmq.h and
<errno.h> at build time). The exceptions are the few names pyzmq defines that the
libzmq 4.3.4 headers do not: ``HWM`` (a pyzmq convenience that sets both high-water
marks) and the options added after 4.3.4 (``BUSY_POLL``, ``HICCUP_MSG``, the NORM
options ...). They are kept so that code written for pyzmq still imports; libzmq 4.3.4
rejects those option numbers with EINVAL.

As in pyzmq, every category is an ``IntEnum`` (or ``IntFlag`` for bit masks), members
exist whether or not this libzmq supports the feature (DRAFT socket types, ...), and
each member is also exported as a module-level name (``PUSH is SocketType.PUSH``).
"""

from __future__ import annotations

from enum import Enum, IntEnum, IntFlag

from zmq_cffi._ffi import lib

# --------------------------------------------------------------------------------------
# Enums
# --------------------------------------------------------------------------------------


class Errno(IntEnum):
    """Error numbers libzmq reports: the system's errno values plus libzmq's own codes."""

    EAGAIN = lib.EAGAIN
    EFAULT = lib.EFAULT
    EINVAL = lib.EINVAL
    ENOTSUP = lib.ENOTSUP
    EPROTONOSUPPORT = lib.EPROTONOSUPPORT
    ENOBUFS = lib.ENOBUFS
    ENETDOWN = lib.ENETDOWN
    EADDRINUSE = lib.EADDRINUSE
    EADDRNOTAVAIL = lib.EADDRNOTAVAIL
    ECONNREFUSED = lib.ECONNREFUSED
    EINPROGRESS = lib.EINPROGRESS
    ENOTSOCK = lib.ENOTSOCK
    EMSGSIZE = lib.EMSGSIZE
    EAFNOSUPPORT = lib.EAFNOSUPPORT
    ENETUNREACH = lib.ENETUNREACH
    ECONNABORTED = lib.ECONNABORTED
    ECONNRESET = lib.ECONNRESET
    ENOTCONN = lib.ENOTCONN
    ETIMEDOUT = lib.ETIMEDOUT
    EHOSTUNREACH = lib.EHOSTUNREACH
    ENETRESET = lib.ENETRESET
    # libzmq-specific (ZMQ_HAUSNUMERO + n)
    EFSM = lib.EFSM
    ENOCOMPATPROTO = lib.ENOCOMPATPROTO
    ETERM = lib.ETERM
    EMTHREAD = lib.EMTHREAD


class ContextOption(IntEnum):
    """Option numbers for ``Context.get`` / ``Context.set`` (zmq_ctx_get / zmq_ctx_set)."""

    IO_THREADS = lib.ZMQ_IO_THREADS
    MAX_SOCKETS = lib.ZMQ_MAX_SOCKETS
    SOCKET_LIMIT = lib.ZMQ_SOCKET_LIMIT
    # libzmq gives THREAD_PRIORITY the same number as SOCKET_LIMIT, so it is an alias
    THREAD_PRIORITY = lib.ZMQ_THREAD_PRIORITY
    THREAD_SCHED_POLICY = lib.ZMQ_THREAD_SCHED_POLICY
    MAX_MSGSZ = lib.ZMQ_MAX_MSGSZ
    MSG_T_SIZE = lib.ZMQ_MSG_T_SIZE
    THREAD_AFFINITY_CPU_ADD = lib.ZMQ_THREAD_AFFINITY_CPU_ADD
    THREAD_AFFINITY_CPU_REMOVE = lib.ZMQ_THREAD_AFFINITY_CPU_REMOVE
    THREAD_NAME_PREFIX = lib.ZMQ_THREAD_NAME_PREFIX


class DeviceType(IntEnum):
    """The built-in device kinds of ``zmq.device``."""

    STREAMER = lib.ZMQ_STREAMER
    FORWARDER = lib.ZMQ_FORWARDER
    QUEUE = lib.ZMQ_QUEUE


class Event(IntFlag):
    """Socket monitor events, and the protocol errors a HANDSHAKE_FAILED_PROTOCOL event carries."""

    PROTOCOL_ERROR_WS_UNSPECIFIED = lib.ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED
    PROTOCOL_ERROR_ZMTP_UNSPECIFIED = lib.ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED
    PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND = lib.ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
    PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE = lib.ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE
    PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE = lib.ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED = (
        lib.ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
    )
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE = (
        lib.ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
    )
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO = (
        lib.ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
    )
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE = (
        lib.ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE
    )
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR = (
        lib.ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR
    )
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY = (
        lib.ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY
    )
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME = (
        lib.ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME
    )
    PROTOCOL_ERROR_ZMTP_INVALID_METADATA = lib.ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA
    PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = lib.ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH = lib.ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
    PROTOCOL_ERROR_ZAP_UNSPECIFIED = lib.ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED
    PROTOCOL_ERROR_ZAP_MALFORMED_REPLY = lib.ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
    PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID = lib.ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID
    PROTOCOL_ERROR_ZAP_BAD_VERSION = lib.ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION
    PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE = lib.ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
    PROTOCOL_ERROR_ZAP_INVALID_METADATA = lib.ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA

    CONNECTED = lib.ZMQ_EVENT_CONNECTED
    CONNECT_DELAYED = lib.ZMQ_EVENT_CONNECT_DELAYED
    CONNECT_RETRIED = lib.ZMQ_EVENT_CONNECT_RETRIED
    LISTENING = lib.ZMQ_EVENT_LISTENING
    BIND_FAILED = lib.ZMQ_EVENT_BIND_FAILED
    ACCEPTED = lib.ZMQ_EVENT_ACCEPTED
    ACCEPT_FAILED = lib.ZMQ_EVENT_ACCEPT_FAILED
    CLOSED = lib.ZMQ_EVENT_CLOSED
    CLOSE_FAILED = lib.ZMQ_EVENT_CLOSE_FAILED
    DISCONNECTED = lib.ZMQ_EVENT_DISCONNECTED
    MONITOR_STOPPED = lib.ZMQ_EVENT_MONITOR_STOPPED
    HANDSHAKE_FAILED_NO_DETAIL = lib.ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
    HANDSHAKE_SUCCEEDED = lib.ZMQ_EVENT_HANDSHAKE_SUCCEEDED
    HANDSHAKE_FAILED_PROTOCOL = lib.ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
    HANDSHAKE_FAILED_AUTH = lib.ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
    # every version-1 event; ALL is the older spelling of the same mask
    ALL_V1 = lib.ZMQ_EVENT_ALL_V1
    ALL = lib.ZMQ_EVENT_ALL
    # DRAFT: version-2 monitoring (zmq_socket_monitor_versioned)
    PIPES_STATS = lib.ZMQ_EVENT_PIPES_STATS
    ALL_V2 = lib.ZMQ_EVENT_ALL_V2


class Flag(IntFlag):
    """Flags for send and recv."""

    DONTWAIT = lib.ZMQ_DONTWAIT
    SNDMORE = lib.ZMQ_SNDMORE
    # deprecated alias of DONTWAIT
    NOBLOCK = lib.ZMQ_NOBLOCK


class MessageOption(IntEnum):
    """Properties of a message (``Frame.get`` / ``Frame.set``, zmq_msg_get / zmq_msg_set)."""

    MORE = lib.ZMQ_MORE
    SHARED = lib.ZMQ_SHARED
    SRCFD = lib.ZMQ_SRCFD


class NormMode(IntEnum):
    """Congestion-control modes for the NORM transport's NORM_MODE option.

    libzmq 4.3.4 has neither the option nor these values; they mirror pyzmq, whose
    numbers come from later libzmq releases.
    """

    FIXED = 0
    CC = 1
    CCL = 2
    CCE = 3
    CCE_ECNONLY = 4


class PollEvent(IntFlag):
    """Readiness bits for polling (zmq_poll events / revents)."""

    POLLIN = lib.ZMQ_POLLIN
    POLLOUT = lib.ZMQ_POLLOUT
    POLLERR = lib.ZMQ_POLLERR
    POLLPRI = lib.ZMQ_POLLPRI


class ReconnectStop(IntEnum):
    """Conditions (bits) for the DRAFT RECONNECT_STOP socket option."""

    CONN_REFUSED = lib.ZMQ_RECONNECT_STOP_CONN_REFUSED
    HANDSHAKE_FAILED = lib.ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED
    # 3 in libzmq 4.3.4's zmq.h (4 from libzmq 4.3.5 on, which is what pyzmq shows)
    AFTER_DISCONNECT = lib.ZMQ_RECONNECT_STOP_AFTER_DISCONNECT


class RouterNotify(IntEnum):
    """Bits for the DRAFT ROUTER_NOTIFY socket option."""

    CONNECT = lib.ZMQ_NOTIFY_CONNECT
    DISCONNECT = lib.ZMQ_NOTIFY_DISCONNECT


class SecurityMechanism(IntEnum):
    """Security mechanisms, as read back with ``socket.get(MECHANISM)``."""

    NULL = lib.ZMQ_NULL
    PLAIN = lib.ZMQ_PLAIN
    CURVE = lib.ZMQ_CURVE
    GSSAPI = lib.ZMQ_GSSAPI


class SocketOption(IntEnum):
    """Option numbers for ``Socket.get`` / ``Socket.set`` (zmq_getsockopt / zmq_setsockopt)."""

    # Not a libzmq 4.x option: pyzmq's shorthand for setting SNDHWM and RCVHWM together
    # (the number libzmq 2.x used for its single HWM option).
    HWM = 1
    AFFINITY = lib.ZMQ_AFFINITY
    ROUTING_ID = lib.ZMQ_ROUTING_ID
    SUBSCRIBE = lib.ZMQ_SUBSCRIBE
    UNSUBSCRIBE = lib.ZMQ_UNSUBSCRIBE
    RATE = lib.ZMQ_RATE
    RECOVERY_IVL = lib.ZMQ_RECOVERY_IVL
    SNDBUF = lib.ZMQ_SNDBUF
    RCVBUF = lib.ZMQ_RCVBUF
    RCVMORE = lib.ZMQ_RCVMORE
    FD = lib.ZMQ_FD
    EVENTS = lib.ZMQ_EVENTS
    TYPE = lib.ZMQ_TYPE
    LINGER = lib.ZMQ_LINGER
    RECONNECT_IVL = lib.ZMQ_RECONNECT_IVL
    BACKLOG = lib.ZMQ_BACKLOG
    RECONNECT_IVL_MAX = lib.ZMQ_RECONNECT_IVL_MAX
    MAXMSGSIZE = lib.ZMQ_MAXMSGSIZE
    SNDHWM = lib.ZMQ_SNDHWM
    RCVHWM = lib.ZMQ_RCVHWM
    MULTICAST_HOPS = lib.ZMQ_MULTICAST_HOPS
    RCVTIMEO = lib.ZMQ_RCVTIMEO
    SNDTIMEO = lib.ZMQ_SNDTIMEO
    LAST_ENDPOINT = lib.ZMQ_LAST_ENDPOINT
    ROUTER_MANDATORY = lib.ZMQ_ROUTER_MANDATORY
    TCP_KEEPALIVE = lib.ZMQ_TCP_KEEPALIVE
    TCP_KEEPALIVE_CNT = lib.ZMQ_TCP_KEEPALIVE_CNT
    TCP_KEEPALIVE_IDLE = lib.ZMQ_TCP_KEEPALIVE_IDLE
    TCP_KEEPALIVE_INTVL = lib.ZMQ_TCP_KEEPALIVE_INTVL
    IMMEDIATE = lib.ZMQ_IMMEDIATE
    XPUB_VERBOSE = lib.ZMQ_XPUB_VERBOSE
    ROUTER_RAW = lib.ZMQ_ROUTER_RAW
    IPV6 = lib.ZMQ_IPV6
    MECHANISM = lib.ZMQ_MECHANISM
    PLAIN_SERVER = lib.ZMQ_PLAIN_SERVER
    PLAIN_USERNAME = lib.ZMQ_PLAIN_USERNAME
    PLAIN_PASSWORD = lib.ZMQ_PLAIN_PASSWORD
    CURVE_SERVER = lib.ZMQ_CURVE_SERVER
    CURVE_PUBLICKEY = lib.ZMQ_CURVE_PUBLICKEY
    CURVE_SECRETKEY = lib.ZMQ_CURVE_SECRETKEY
    CURVE_SERVERKEY = lib.ZMQ_CURVE_SERVERKEY
    PROBE_ROUTER = lib.ZMQ_PROBE_ROUTER
    REQ_CORRELATE = lib.ZMQ_REQ_CORRELATE
    REQ_RELAXED = lib.ZMQ_REQ_RELAXED
    CONFLATE = lib.ZMQ_CONFLATE
    ZAP_DOMAIN = lib.ZMQ_ZAP_DOMAIN
    ROUTER_HANDOVER = lib.ZMQ_ROUTER_HANDOVER
    TOS = lib.ZMQ_TOS
    CONNECT_ROUTING_ID = lib.ZMQ_CONNECT_ROUTING_ID
    GSSAPI_SERVER = lib.ZMQ_GSSAPI_SERVER
    GSSAPI_PRINCIPAL = lib.ZMQ_GSSAPI_PRINCIPAL
    GSSAPI_SERVICE_PRINCIPAL = lib.ZMQ_GSSAPI_SERVICE_PRINCIPAL
    GSSAPI_PLAINTEXT = lib.ZMQ_GSSAPI_PLAINTEXT
    HANDSHAKE_IVL = lib.ZMQ_HANDSHAKE_IVL
    SOCKS_PROXY = lib.ZMQ_SOCKS_PROXY
    XPUB_NODROP = lib.ZMQ_XPUB_NODROP
    BLOCKY = lib.ZMQ_BLOCKY
    XPUB_MANUAL = lib.ZMQ_XPUB_MANUAL
    XPUB_WELCOME_MSG = lib.ZMQ_XPUB_WELCOME_MSG
    STREAM_NOTIFY = lib.ZMQ_STREAM_NOTIFY
    INVERT_MATCHING = lib.ZMQ_INVERT_MATCHING
    HEARTBEAT_IVL = lib.ZMQ_HEARTBEAT_IVL
    HEARTBEAT_TTL = lib.ZMQ_HEARTBEAT_TTL
    HEARTBEAT_TIMEOUT = lib.ZMQ_HEARTBEAT_TIMEOUT
    XPUB_VERBOSER = lib.ZMQ_XPUB_VERBOSER
    CONNECT_TIMEOUT = lib.ZMQ_CONNECT_TIMEOUT
    TCP_MAXRT = lib.ZMQ_TCP_MAXRT
    THREAD_SAFE = lib.ZMQ_THREAD_SAFE
    MULTICAST_MAXTPDU = lib.ZMQ_MULTICAST_MAXTPDU
    VMCI_BUFFER_SIZE = lib.ZMQ_VMCI_BUFFER_SIZE
    VMCI_BUFFER_MIN_SIZE = lib.ZMQ_VMCI_BUFFER_MIN_SIZE
    VMCI_BUFFER_MAX_SIZE = lib.ZMQ_VMCI_BUFFER_MAX_SIZE
    VMCI_CONNECT_TIMEOUT = lib.ZMQ_VMCI_CONNECT_TIMEOUT
    USE_FD = lib.ZMQ_USE_FD
    GSSAPI_PRINCIPAL_NAMETYPE = lib.ZMQ_GSSAPI_PRINCIPAL_NAMETYPE
    GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = lib.ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE
    BINDTODEVICE = lib.ZMQ_BINDTODEVICE

    # deprecated names: aliases of the options above, or options libzmq no longer has
    IDENTITY = lib.ZMQ_IDENTITY
    CONNECT_RID = lib.ZMQ_CONNECT_RID
    TCP_ACCEPT_FILTER = lib.ZMQ_TCP_ACCEPT_FILTER
    IPC_FILTER_PID = lib.ZMQ_IPC_FILTER_PID
    IPC_FILTER_UID = lib.ZMQ_IPC_FILTER_UID
    IPC_FILTER_GID = lib.ZMQ_IPC_FILTER_GID
    IPV4ONLY = lib.ZMQ_IPV4ONLY
    DELAY_ATTACH_ON_CONNECT = lib.ZMQ_DELAY_ATTACH_ON_CONNECT
    FAIL_UNROUTABLE = lib.ZMQ_FAIL_UNROUTABLE
    ROUTER_BEHAVIOR = lib.ZMQ_ROUTER_BEHAVIOR

    # DRAFT options of libzmq 4.3.4
    ZAP_ENFORCE_DOMAIN = lib.ZMQ_ZAP_ENFORCE_DOMAIN
    LOOPBACK_FASTPATH = lib.ZMQ_LOOPBACK_FASTPATH
    METADATA = lib.ZMQ_METADATA
    MULTICAST_LOOP = lib.ZMQ_MULTICAST_LOOP
    ROUTER_NOTIFY = lib.ZMQ_ROUTER_NOTIFY
    XPUB_MANUAL_LAST_VALUE = lib.ZMQ_XPUB_MANUAL_LAST_VALUE
    SOCKS_USERNAME = lib.ZMQ_SOCKS_USERNAME
    SOCKS_PASSWORD = lib.ZMQ_SOCKS_PASSWORD
    IN_BATCH_SIZE = lib.ZMQ_IN_BATCH_SIZE
    OUT_BATCH_SIZE = lib.ZMQ_OUT_BATCH_SIZE
    WSS_KEY_PEM = lib.ZMQ_WSS_KEY_PEM
    WSS_CERT_PEM = lib.ZMQ_WSS_CERT_PEM
    WSS_TRUST_PEM = lib.ZMQ_WSS_TRUST_PEM
    WSS_HOSTNAME = lib.ZMQ_WSS_HOSTNAME
    WSS_TRUST_SYSTEM = lib.ZMQ_WSS_TRUST_SYSTEM
    ONLY_FIRST_SUBSCRIBE = lib.ZMQ_ONLY_FIRST_SUBSCRIBE
    RECONNECT_STOP = lib.ZMQ_RECONNECT_STOP
    HELLO_MSG = lib.ZMQ_HELLO_MSG
    DISCONNECT_MSG = lib.ZMQ_DISCONNECT_MSG
    PRIORITY = lib.ZMQ_PRIORITY

    # Options of libzmq releases after 4.3.4 (not in its zmq.h, so the numbers are
    # written here as pyzmq has them); libzmq 4.3.4 answers EINVAL to all of them.
    BUSY_POLL = 113
    HICCUP_MSG = 114
    XSUB_VERBOSE_UNSUBSCRIBE = 115
    TOPICS_COUNT = 116
    NORM_MODE = 117
    NORM_UNICAST_NACK = 118
    NORM_BUFFER_SIZE = 119
    NORM_SEGMENT_SIZE = 120
    NORM_BLOCK_SIZE = 121
    NORM_NUM_PARITY = 122
    NORM_NUM_AUTOPARITY = 123
    NORM_PUSH = 124


class SocketType(IntEnum):
    """Socket types for ``Context.socket`` (zmq_socket)."""

    PAIR = lib.ZMQ_PAIR
    PUB = lib.ZMQ_PUB
    SUB = lib.ZMQ_SUB
    REQ = lib.ZMQ_REQ
    REP = lib.ZMQ_REP
    DEALER = lib.ZMQ_DEALER
    ROUTER = lib.ZMQ_ROUTER
    PULL = lib.ZMQ_PULL
    PUSH = lib.ZMQ_PUSH
    XPUB = lib.ZMQ_XPUB
    XSUB = lib.ZMQ_XSUB
    STREAM = lib.ZMQ_STREAM
    # deprecated aliases of DEALER and ROUTER
    XREQ = lib.ZMQ_XREQ
    XREP = lib.ZMQ_XREP
    # DRAFT socket types: always defined; creating one fails unless libzmq has DRAFT
    SERVER = lib.ZMQ_SERVER
    CLIENT = lib.ZMQ_CLIENT
    RADIO = lib.ZMQ_RADIO
    DISH = lib.ZMQ_DISH
    GATHER = lib.ZMQ_GATHER
    SCATTER = lib.ZMQ_SCATTER
    DGRAM = lib.ZMQ_DGRAM
    PEER = lib.ZMQ_PEER
    CHANNEL = lib.ZMQ_CHANNEL


# --------------------------------------------------------------------------------------
# Module-level names: every enum member (aliases included), some with a prefix
# --------------------------------------------------------------------------------------

# ContextOption
IO_THREADS = ContextOption.IO_THREADS
MAX_SOCKETS = ContextOption.MAX_SOCKETS
SOCKET_LIMIT = ContextOption.SOCKET_LIMIT
THREAD_PRIORITY = ContextOption.THREAD_PRIORITY
THREAD_SCHED_POLICY = ContextOption.THREAD_SCHED_POLICY
MAX_MSGSZ = ContextOption.MAX_MSGSZ
MSG_T_SIZE = ContextOption.MSG_T_SIZE
THREAD_AFFINITY_CPU_ADD = ContextOption.THREAD_AFFINITY_CPU_ADD
THREAD_AFFINITY_CPU_REMOVE = ContextOption.THREAD_AFFINITY_CPU_REMOVE
THREAD_NAME_PREFIX = ContextOption.THREAD_NAME_PREFIX

# DeviceType
STREAMER = DeviceType.STREAMER
FORWARDER = DeviceType.FORWARDER
QUEUE = DeviceType.QUEUE

# Errno
EAGAIN = Errno.EAGAIN
EFAULT = Errno.EFAULT
EINVAL = Errno.EINVAL
ENOTSUP = Errno.ENOTSUP
EPROTONOSUPPORT = Errno.EPROTONOSUPPORT
ENOBUFS = Errno.ENOBUFS
ENETDOWN = Errno.ENETDOWN
EADDRINUSE = Errno.EADDRINUSE
EADDRNOTAVAIL = Errno.EADDRNOTAVAIL
ECONNREFUSED = Errno.ECONNREFUSED
EINPROGRESS = Errno.EINPROGRESS
ENOTSOCK = Errno.ENOTSOCK
EMSGSIZE = Errno.EMSGSIZE
EAFNOSUPPORT = Errno.EAFNOSUPPORT
ENETUNREACH = Errno.ENETUNREACH
ECONNABORTED = Errno.ECONNABORTED
ECONNRESET = Errno.ECONNRESET
ENOTCONN = Errno.ENOTCONN
ETIMEDOUT = Errno.ETIMEDOUT
EHOSTUNREACH = Errno.EHOSTUNREACH
ENETRESET = Errno.ENETRESET
EFSM = Errno.EFSM
ENOCOMPATPROTO = Errno.ENOCOMPATPROTO
ETERM = Errno.ETERM
EMTHREAD = Errno.EMTHREAD

# Event: protocol errors keep their name, monitor events get an EVENT_ prefix
PROTOCOL_ERROR_WS_UNSPECIFIED = Event.PROTOCOL_ERROR_WS_UNSPECIFIED
PROTOCOL_ERROR_ZMTP_UNSPECIFIED = Event.PROTOCOL_ERROR_ZMTP_UNSPECIFIED
PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND = Event.PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE = Event.PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE
PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE = Event.PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME
PROTOCOL_ERROR_ZMTP_INVALID_METADATA = Event.PROTOCOL_ERROR_ZMTP_INVALID_METADATA
PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = Event.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH = Event.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
PROTOCOL_ERROR_ZAP_UNSPECIFIED = Event.PROTOCOL_ERROR_ZAP_UNSPECIFIED
PROTOCOL_ERROR_ZAP_MALFORMED_REPLY = Event.PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID = Event.PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID
PROTOCOL_ERROR_ZAP_BAD_VERSION = Event.PROTOCOL_ERROR_ZAP_BAD_VERSION
PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE = Event.PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
PROTOCOL_ERROR_ZAP_INVALID_METADATA = Event.PROTOCOL_ERROR_ZAP_INVALID_METADATA
EVENT_CONNECTED = Event.CONNECTED
EVENT_CONNECT_DELAYED = Event.CONNECT_DELAYED
EVENT_CONNECT_RETRIED = Event.CONNECT_RETRIED
EVENT_LISTENING = Event.LISTENING
EVENT_BIND_FAILED = Event.BIND_FAILED
EVENT_ACCEPTED = Event.ACCEPTED
EVENT_ACCEPT_FAILED = Event.ACCEPT_FAILED
EVENT_CLOSED = Event.CLOSED
EVENT_CLOSE_FAILED = Event.CLOSE_FAILED
EVENT_DISCONNECTED = Event.DISCONNECTED
EVENT_MONITOR_STOPPED = Event.MONITOR_STOPPED
EVENT_HANDSHAKE_FAILED_NO_DETAIL = Event.HANDSHAKE_FAILED_NO_DETAIL
EVENT_HANDSHAKE_SUCCEEDED = Event.HANDSHAKE_SUCCEEDED
EVENT_HANDSHAKE_FAILED_PROTOCOL = Event.HANDSHAKE_FAILED_PROTOCOL
EVENT_HANDSHAKE_FAILED_AUTH = Event.HANDSHAKE_FAILED_AUTH
EVENT_ALL_V1 = Event.ALL_V1
EVENT_ALL = Event.ALL
EVENT_PIPES_STATS = Event.PIPES_STATS
EVENT_ALL_V2 = Event.ALL_V2

# Flag
DONTWAIT = Flag.DONTWAIT
SNDMORE = Flag.SNDMORE
NOBLOCK = Flag.NOBLOCK

# MessageOption
MORE = MessageOption.MORE
SHARED = MessageOption.SHARED
SRCFD = MessageOption.SRCFD

# NormMode, with a NORM_ prefix
NORM_FIXED = NormMode.FIXED
NORM_CC = NormMode.CC
NORM_CCL = NormMode.CCL
NORM_CCE = NormMode.CCE
NORM_CCE_ECNONLY = NormMode.CCE_ECNONLY

# PollEvent
POLLIN = PollEvent.POLLIN
POLLOUT = PollEvent.POLLOUT
POLLERR = PollEvent.POLLERR
POLLPRI = PollEvent.POLLPRI

# ReconnectStop, with a RECONNECT_STOP_ prefix
RECONNECT_STOP_CONN_REFUSED = ReconnectStop.CONN_REFUSED
RECONNECT_STOP_HANDSHAKE_FAILED = ReconnectStop.HANDSHAKE_FAILED
RECONNECT_STOP_AFTER_DISCONNECT = ReconnectStop.AFTER_DISCONNECT

# RouterNotify, with a NOTIFY_ prefix
NOTIFY_CONNECT = RouterNotify.CONNECT
NOTIFY_DISCONNECT = RouterNotify.DISCONNECT

# SecurityMechanism
NULL = SecurityMechanism.NULL
PLAIN = SecurityMechanism.PLAIN
CURVE = SecurityMechanism.CURVE
GSSAPI = SecurityMechanism.GSSAPI

# SocketOption
HWM = SocketOption.HWM
AFFINITY = SocketOption.AFFINITY
ROUTING_ID = SocketOption.ROUTING_ID
SUBSCRIBE = SocketOption.SUBSCRIBE
UNSUBSCRIBE = SocketOption.UNSUBSCRIBE
RATE = SocketOption.RATE
RECOVERY_IVL = SocketOption.RECOVERY_IVL
SNDBUF = SocketOption.SNDBUF
RCVBUF = SocketOption.RCVBUF
RCVMORE = SocketOption.RCVMORE
FD = SocketOption.FD
EVENTS = SocketOption.EVENTS
TYPE = SocketOption.TYPE
LINGER = SocketOption.LINGER
RECONNECT_IVL = SocketOption.RECONNECT_IVL
BACKLOG = SocketOption.BACKLOG
RECONNECT_IVL_MAX = SocketOption.RECONNECT_IVL_MAX
MAXMSGSIZE = SocketOption.MAXMSGSIZE
SNDHWM = SocketOption.SNDHWM
RCVHWM = SocketOption.RCVHWM
MULTICAST_HOPS = SocketOption.MULTICAST_HOPS
RCVTIMEO = SocketOption.RCVTIMEO
SNDTIMEO = SocketOption.SNDTIMEO
LAST_ENDPOINT = SocketOption.LAST_ENDPOINT
ROUTER_MANDATORY = SocketOption.ROUTER_MANDATORY
TCP_KEEPALIVE = SocketOption.TCP_KEEPALIVE
TCP_KEEPALIVE_CNT = SocketOption.TCP_KEEPALIVE_CNT
TCP_KEEPALIVE_IDLE = SocketOption.TCP_KEEPALIVE_IDLE
TCP_KEEPALIVE_INTVL = SocketOption.TCP_KEEPALIVE_INTVL
IMMEDIATE = SocketOption.IMMEDIATE
XPUB_VERBOSE = SocketOption.XPUB_VERBOSE
ROUTER_RAW = SocketOption.ROUTER_RAW
IPV6 = SocketOption.IPV6
MECHANISM = SocketOption.MECHANISM
PLAIN_SERVER = SocketOption.PLAIN_SERVER
PLAIN_USERNAME = SocketOption.PLAIN_USERNAME
PLAIN_PASSWORD = SocketOption.PLAIN_PASSWORD
CURVE_SERVER = SocketOption.CURVE_SERVER
CURVE_PUBLICKEY = SocketOption.CURVE_PUBLICKEY
CURVE_SECRETKEY = SocketOption.CURVE_SECRETKEY
CURVE_SERVERKEY = SocketOption.CURVE_SERVERKEY
PROBE_ROUTER = SocketOption.PROBE_ROUTER
REQ_CORRELATE = SocketOption.REQ_CORRELATE
REQ_RELAXED = SocketOption.REQ_RELAXED
CONFLATE = SocketOption.CONFLATE
ZAP_DOMAIN = SocketOption.ZAP_DOMAIN
ROUTER_HANDOVER = SocketOption.ROUTER_HANDOVER
TOS = SocketOption.TOS
CONNECT_ROUTING_ID = SocketOption.CONNECT_ROUTING_ID
GSSAPI_SERVER = SocketOption.GSSAPI_SERVER
GSSAPI_PRINCIPAL = SocketOption.GSSAPI_PRINCIPAL
GSSAPI_SERVICE_PRINCIPAL = SocketOption.GSSAPI_SERVICE_PRINCIPAL
GSSAPI_PLAINTEXT = SocketOption.GSSAPI_PLAINTEXT
HANDSHAKE_IVL = SocketOption.HANDSHAKE_IVL
SOCKS_PROXY = SocketOption.SOCKS_PROXY
XPUB_NODROP = SocketOption.XPUB_NODROP
BLOCKY = SocketOption.BLOCKY
XPUB_MANUAL = SocketOption.XPUB_MANUAL
XPUB_WELCOME_MSG = SocketOption.XPUB_WELCOME_MSG
STREAM_NOTIFY = SocketOption.STREAM_NOTIFY
INVERT_MATCHING = SocketOption.INVERT_MATCHING
HEARTBEAT_IVL = SocketOption.HEARTBEAT_IVL
HEARTBEAT_TTL = SocketOption.HEARTBEAT_TTL
HEARTBEAT_TIMEOUT = SocketOption.HEARTBEAT_TIMEOUT
XPUB_VERBOSER = SocketOption.XPUB_VERBOSER
CONNECT_TIMEOUT = SocketOption.CONNECT_TIMEOUT
TCP_MAXRT = SocketOption.TCP_MAXRT
THREAD_SAFE = SocketOption.THREAD_SAFE
MULTICAST_MAXTPDU = SocketOption.MULTICAST_MAXTPDU
VMCI_BUFFER_SIZE = SocketOption.VMCI_BUFFER_SIZE
VMCI_BUFFER_MIN_SIZE = SocketOption.VMCI_BUFFER_MIN_SIZE
VMCI_BUFFER_MAX_SIZE = SocketOption.VMCI_BUFFER_MAX_SIZE
VMCI_CONNECT_TIMEOUT = SocketOption.VMCI_CONNECT_TIMEOUT
USE_FD = SocketOption.USE_FD
GSSAPI_PRINCIPAL_NAMETYPE = SocketOption.GSSAPI_PRINCIPAL_NAMETYPE
GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = SocketOption.GSSAPI_SERVICE_PRINCIPAL_NAMETYPE
BINDTODEVICE = SocketOption.BINDTODEVICE
IDENTITY = SocketOption.IDENTITY
CONNECT_RID = SocketOption.CONNECT_RID
TCP_ACCEPT_FILTER = SocketOption.TCP_ACCEPT_FILTER
IPC_FILTER_PID = SocketOption.IPC_FILTER_PID
IPC_FILTER_UID = SocketOption.IPC_FILTER_UID
IPC_FILTER_GID = SocketOption.IPC_FILTER_GID
IPV4ONLY = SocketOption.IPV4ONLY
DELAY_ATTACH_ON_CONNECT = SocketOption.DELAY_ATTACH_ON_CONNECT
FAIL_UNROUTABLE = SocketOption.FAIL_UNROUTABLE
ROUTER_BEHAVIOR = SocketOption.ROUTER_BEHAVIOR
ZAP_ENFORCE_DOMAIN = SocketOption.ZAP_ENFORCE_DOMAIN
LOOPBACK_FASTPATH = SocketOption.LOOPBACK_FASTPATH
METADATA = SocketOption.METADATA
MULTICAST_LOOP = SocketOption.MULTICAST_LOOP
ROUTER_NOTIFY = SocketOption.ROUTER_NOTIFY
XPUB_MANUAL_LAST_VALUE = SocketOption.XPUB_MANUAL_LAST_VALUE
SOCKS_USERNAME = SocketOption.SOCKS_USERNAME
SOCKS_PASSWORD = SocketOption.SOCKS_PASSWORD
IN_BATCH_SIZE = SocketOption.IN_BATCH_SIZE
OUT_BATCH_SIZE = SocketOption.OUT_BATCH_SIZE
WSS_KEY_PEM = SocketOption.WSS_KEY_PEM
WSS_CERT_PEM = SocketOption.WSS_CERT_PEM
WSS_TRUST_PEM = SocketOption.WSS_TRUST_PEM
WSS_HOSTNAME = SocketOption.WSS_HOSTNAME
WSS_TRUST_SYSTEM = SocketOption.WSS_TRUST_SYSTEM
ONLY_FIRST_SUBSCRIBE = SocketOption.ONLY_FIRST_SUBSCRIBE
RECONNECT_STOP = SocketOption.RECONNECT_STOP
HELLO_MSG = SocketOption.HELLO_MSG
DISCONNECT_MSG = SocketOption.DISCONNECT_MSG
PRIORITY = SocketOption.PRIORITY
BUSY_POLL = SocketOption.BUSY_POLL
HICCUP_MSG = SocketOption.HICCUP_MSG
XSUB_VERBOSE_UNSUBSCRIBE = SocketOption.XSUB_VERBOSE_UNSUBSCRIBE
TOPICS_COUNT = SocketOption.TOPICS_COUNT
NORM_MODE = SocketOption.NORM_MODE
NORM_UNICAST_NACK = SocketOption.NORM_UNICAST_NACK
NORM_BUFFER_SIZE = SocketOption.NORM_BUFFER_SIZE
NORM_SEGMENT_SIZE = SocketOption.NORM_SEGMENT_SIZE
NORM_BLOCK_SIZE = SocketOption.NORM_BLOCK_SIZE
NORM_NUM_PARITY = SocketOption.NORM_NUM_PARITY
NORM_NUM_AUTOPARITY = SocketOption.NORM_NUM_AUTOPARITY
NORM_PUSH = SocketOption.NORM_PUSH

# SocketType
PAIR = SocketType.PAIR
PUB = SocketType.PUB
SUB = SocketType.SUB
REQ = SocketType.REQ
REP = SocketType.REP
DEALER = SocketType.DEALER
ROUTER = SocketType.ROUTER
PULL = SocketType.PULL
PUSH = SocketType.PUSH
XPUB = SocketType.XPUB
XSUB = SocketType.XSUB
STREAM = SocketType.STREAM
XREQ = SocketType.XREQ
XREP = SocketType.XREP
SERVER = SocketType.SERVER
CLIENT = SocketType.CLIENT
RADIO = SocketType.RADIO
DISH = SocketType.DISH
GATHER = SocketType.GATHER
SCATTER = SocketType.SCATTER
DGRAM = SocketType.DGRAM
PEER = SocketType.PEER
CHANNEL = SocketType.CHANNEL

# --------------------------------------------------------------------------------------
# Plain values that are not enum members
# --------------------------------------------------------------------------------------

#: True when the linked libzmq was built with the DRAFT API (asked at run time).
DRAFT_API: bool = bool(lib.zmq_has(b"draft"))

#: Version of the zmq.h this module was compiled against (see zmq_version() for the
#: library actually loaded): VERSION is major * 10000 + minor * 100 + patch.
VERSION_MAJOR: int = lib.ZMQ_VERSION_MAJOR
VERSION_MINOR: int = lib.ZMQ_VERSION_MINOR
VERSION_PATCH: int = lib.ZMQ_VERSION_PATCH
VERSION: int = lib.ZMQ_VERSION

# --------------------------------------------------------------------------------------
# Value types of options, for the get/set implementations
# --------------------------------------------------------------------------------------


def _typed(kind: str, *options: SocketOption) -> dict[int, str]:
    return {int(option): kind for option in options}


#: C type of each socket option whose value is not a plain C ``int``, by option number:
#: "int64" (int64_t or uint64_t), "fd" (the platform's socket handle, int on POSIX) or
#: "bytes" (binary data or a string). An option missing here is an ``int``.
#: Sources: man zmq_getsockopt / zmq_setsockopt of libzmq 4.3.4; the WSS_* options,
#: which those pages leave out, take strings.
sockopt_types: dict[int, str] = {
    **_typed(
        "int64",
        SocketOption.AFFINITY,  # uint64_t
        SocketOption.MAXMSGSIZE,  # int64_t
        SocketOption.VMCI_BUFFER_SIZE,  # uint64_t
        SocketOption.VMCI_BUFFER_MIN_SIZE,  # uint64_t
        SocketOption.VMCI_BUFFER_MAX_SIZE,  # uint64_t
    ),
    **_typed("fd", SocketOption.FD),
    **_typed(
        "bytes",
        SocketOption.ROUTING_ID,
        SocketOption.SUBSCRIBE,
        SocketOption.UNSUBSCRIBE,
        SocketOption.LAST_ENDPOINT,
        SocketOption.TCP_ACCEPT_FILTER,
        SocketOption.PLAIN_USERNAME,
        SocketOption.PLAIN_PASSWORD,
        SocketOption.CURVE_PUBLICKEY,
        SocketOption.CURVE_SECRETKEY,
        SocketOption.CURVE_SERVERKEY,
        SocketOption.ZAP_DOMAIN,
        SocketOption.CONNECT_ROUTING_ID,
        SocketOption.GSSAPI_PRINCIPAL,
        SocketOption.GSSAPI_SERVICE_PRINCIPAL,
        SocketOption.SOCKS_PROXY,
        SocketOption.SOCKS_USERNAME,
        SocketOption.SOCKS_PASSWORD,
        SocketOption.XPUB_WELCOME_MSG,
        SocketOption.BINDTODEVICE,
        SocketOption.METADATA,
        SocketOption.WSS_KEY_PEM,
        SocketOption.WSS_CERT_PEM,
        SocketOption.WSS_TRUST_PEM,
        SocketOption.WSS_HOSTNAME,
        SocketOption.HELLO_MSG,
        SocketOption.DISCONNECT_MSG,
        # binary in later libzmq; 4.3.4 rejects it with EINVAL either way
        SocketOption.HICCUP_MSG,
    ),
}

#: Context options whose value is not a C ``int``: none. libzmq 4.3.4's zmq_ctx_set takes
#: only ints (THREAD_NAME_PREFIX is a number there); other value types would need the
#: DRAFT zmq_ctx_set_ext.
ctx_bytes_opts: frozenset[int] = frozenset()


def sockopt_type(option: int) -> str:
    """Return "int", "int64", "fd" or "bytes": the C value type of socket option `option`."""
    return sockopt_types.get(option, "int")


# --------------------------------------------------------------------------------------

_ENUMS = (
    ContextOption,
    DeviceType,
    Errno,
    Event,
    Flag,
    MessageOption,
    NormMode,
    PollEvent,
    ReconnectStop,
    RouterNotify,
    SecurityMechanism,
    SocketOption,
    SocketType,
)

__all__ = [
    # enum base classes, re-exported as pyzmq does
    "Enum",
    "IntEnum",
    "IntFlag",
    *(enum.__name__ for enum in _ENUMS),
    *(
        name
        for name, value in list(globals().items())
        if not name.startswith("_") and isinstance(value, _ENUMS)
    ),
    "DRAFT_API",
    "VERSION",
    "VERSION_MAJOR",
    "VERSION_MINOR",
    "VERSION_PATCH",
]
