/* zmq_cffi's own C helpers (zmq_cffi/_helpers.c): fused hot paths, the zero-copy release
   queue filled on libzmq's IO thread, and DRAFT entry points that fail cleanly without DRAFT. */

typedef struct {
    char *data;
    size_t size;
    int more;
    int held;
    size_t hint;
} zc_recvinfo_t;

#define ZC_GETSOCKOPT_ERROR ...
#define ZC_DRAFT_BUILD ...

/* A socket's state for the send/recv helpers, their first argument (see _helpers.c) */
typedef struct {
    void *handle;
    double wait_start;
    zmq_msg_t msg;
    zc_recvinfo_t info;
    char *buf;
    size_t cap;
} zc_sock_t;
#define ZC_RECV_HELD ...

/* Each may wait unless flags has ZMQ_DONTWAIT; st->wait_start says since when it waited. */
/* send a copy of buf; zc_send_bytes0: with flags 0 */
int zc_send_bytes(zc_sock_t *st, const char *buf, size_t len, int flags);
int zc_send_bytes0(zc_sock_t *st, const char *buf, size_t len);
/* PyPy: send the first len bytes of st->buf */
int zc_send_buffered(zc_sock_t *st, size_t len, int flags);
/* recv into st->buf if the message fits (returns its size), else ZC_RECV_HELD with the
   message open in st->msg, described by st->info; zc_recv_bytes0: with flags 0 */
int zc_recv_bytes(zc_sock_t *st, int flags);
int zc_recv_bytes0(zc_sock_t *st);
/* close st->msg, left open by a recv: the one release path of the socket's message */
void zc_sock_msg_close(zc_sock_t *st);
/* recv_multipart: frames of one message back to back into st->buf (sizes[]) while they fit;
   info.held: the next frame is open in st->msg; info.more: frames remain. -1: none received */
int zc_recv_parts(zc_sock_t *st, int flags, size_t *sizes, int maxparts);
/* send_multipart: up to 4 frames (SNDMORE on all but the last); how many were sent, -1: none */
int zc_send_parts(zc_sock_t *st, int flags, int n, const char *p0, size_t n0, const char *p1,
                  size_t n1, const char *p2, size_t n2, const char *p3, size_t n3);
/* send a shallow copy of msg, leaving msg itself intact for reuse */
int zc_send_frame(zc_sock_t *st, zmq_msg_t *msg, int flags);
/* recv_into: zmq_recv into buf */
int zc_recv_into(zc_sock_t *st, void *buf, size_t len, int flags);
/* initialise msg with a copy of len bytes */
int zc_msg_init_copy(zmq_msg_t *msg, const char *buf, size_t len);
/* initialise msg over caller memory; zc_free_notify queues `token` once libzmq is done with it */
int zc_msg_init_zerocopy(zmq_msg_t *msg, void *buf, size_t len, int64_t token);
/* send a zero-copy message in one crossing (msg is consumed; on error its release is queued) */
int zc_send_zerocopy(zc_sock_t *st, void *buf, size_t len, int flags, int64_t token);

/* the release queue: tokens of zero-copy buffers libzmq no longer uses */
int zc_release_drain(int64_t *out, int cap);
int zc_release_wait(int timeout_ms);
int64_t zc_release_pending(void);

/* recv(copy=False): a malloc'd zmq_msg_t that records the bytes it counts as pending, against
   the allowance of received memory not reported to the GC (see _helpers.c). zc_recv_frame
   receives into one and counts it, with st->info.hint the GC size hint; zc_rxmsg_uncount takes
   a message off the count; zc_rxmsg_free (close, uncount, free) is the message's only release
   path. */
zmq_msg_t *zc_rxmsg_new(void);
int zc_recv_frame(zc_sock_t *st, zmq_msg_t *msg, int flags);
void zc_rxmsg_uncount(zmq_msg_t *msg);
void zc_rxmsg_free(zmq_msg_t *msg);
void zc_rx_set_allowance(int64_t minimum, int64_t maximum);
int64_t zc_rx_allowance(void);

/* options as plain integers: ZC_GETSOCKOPT_ERROR on failure, errno set */
long long zc_getsockopt_int(void *s, int option);
int zc_setsockopt_int(void *s, int option, int value);

/* terminate a context on a detached C thread: a finalizer must never block */
int zc_ctx_term_detached(void *ctx);

/* DRAFT API: -1 with errno ENOTSUP when this libzmq was built without it */
int zc_join(void *s, const char *group);
int zc_leave(void *s, const char *group);
int zc_msg_set_routing_id(zmq_msg_t *msg, uint32_t routing_id);
uint32_t zc_msg_routing_id(zmq_msg_t *msg);
int zc_msg_set_group(zmq_msg_t *msg, const char *group);
const char *zc_msg_group(zmq_msg_t *msg);

/* CPython: a base type giving Frame the buffer protocol (a new reference); PyPy: NULL */
void *zc_buffer_base_type(void);

/* recv(copy=False) on PyPy: a zc_rxmsg_new message with two references, the Frame's destructor
   and frame.py's watch of the Frame; the first zc_rxshared_release closes the message, the
   last frees it (see _helpers.c). */
zmq_msg_t *zc_rxshared_new(void);
void zc_rxshared_hold(zmq_msg_t *msg);
uintptr_t zc_rxshared_at(zmq_msg_t *msg);
void zc_rxshared_release(zmq_msg_t *msg);
