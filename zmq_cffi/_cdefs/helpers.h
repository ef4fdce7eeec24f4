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

/* recv: zmq_msg_init + zmq_msg_recv + data/size/more in one crossing; msg is closed on error */
int zc_recv(void *s, zmq_msg_t *msg, int flags, zc_recvinfo_t *info);
/* a socket's receive state for zc_recv_copy_st (one argument instead of four) */
typedef struct {
    zmq_msg_t msg;
    zc_recvinfo_t info;
    char *buf;
    size_t cap;
} zc_rstate_t;
/* recv into the state's buffer if the message fits in cap bytes (msg closed again), else
   leave the state's msg open, described by its info */
int zc_recv_copy_st(void *s, zc_rstate_t *st, int flags);
/* recv_multipart: frames of one message back to back into buf (sizes[]) while they fit;
   info->held: the next frame is open in msg; info->more: frames remain. -1: nothing received */
int zc_recv_parts(void *s, zmq_msg_t *msg, int flags, char *buf, size_t cap,
                  size_t *sizes, int maxparts, zc_recvinfo_t *info);
/* send_multipart: up to 4 frames (SNDMORE on all but the last); how many were sent, -1: none */
int zc_send_parts(void *s, int flags, int n, const char *p0, size_t n0, const char *p1,
                  size_t n1, const char *p2, size_t n2, const char *p3, size_t n3);
/* send a copy of buf (zmq_send, typed so that bytes pass without conversion) */
int zc_send_copy(void *s, const char *buf, size_t len, int flags);
/* send a shallow copy of msg, leaving msg itself intact for reuse */
int zc_send_msg_copy(void *s, zmq_msg_t *msg, int flags);
/* initialise msg with a copy of len bytes */
int zc_msg_init_copy(zmq_msg_t *msg, const char *buf, size_t len);
/* initialise msg over caller memory; zc_free_notify queues `token` once libzmq is done with it */
int zc_msg_init_zerocopy(zmq_msg_t *msg, void *buf, size_t len, int64_t token);
/* send a zero-copy message in one crossing (msg is consumed; on error its release is queued) */
int zc_send_zerocopy(void *s, void *buf, size_t len, int flags, int64_t token);

/* the release queue: tokens of zero-copy buffers libzmq no longer uses */
int zc_release_drain(int64_t *out, int cap);
int zc_release_wait(int timeout_ms);
int64_t zc_release_pending(void);

/* recv(copy=False): a malloc'd zmq_msg_t that records the bytes it counts as pending, against
   the allowance of received memory not reported to the GC (see _helpers.c). zc_recv_rx is
   zc_recv plus that count, with info->hint the GC size hint; zc_rxmsg_uncount takes a message
   off the count; zc_rxmsg_free (close, uncount, free) is the message's only release path. */
zmq_msg_t *zc_rxmsg_new(void);
int zc_recv_rx(void *s, zmq_msg_t *msg, int flags, zc_recvinfo_t *info);
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
