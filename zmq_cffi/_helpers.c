/* zmq_cffi's C helpers. Compiled into the CFFI module by build_ffi.py.
 *
 * Two reasons for C here: fusing several libzmq calls into one FFI crossing on hot paths, and
 * code that runs on libzmq's IO thread (the zero-copy free callback), where no Python may run.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef ZMQ_BUILD_DRAFT_API
#define ZC_DRAFT_BUILD 1
#else
#define ZC_DRAFT_BUILD 0
/* Only to read the values of DRAFT constants from zmq.h: pyzmq defines them whatever libzmq
   supports. No DRAFT function is called unless libzmq itself was built with the DRAFT API. */
#define ZMQ_BUILD_DRAFT_API
#endif
#include <zmq.h>

#define ZC_GETSOCKOPT_ERROR LLONG_MIN

typedef struct {
    char *data;
    size_t size;
    int more;
    int held;
    size_t hint;
} zc_recvinfo_t;

/* zmq_msg_recv into msg, described in info. On failure msg is closed again (errno kept):
   only a successful recv leaves a message open for its owner to release. */
static int zc_recv(void *s, zmq_msg_t *msg, int flags, zc_recvinfo_t *info)
{
    zmq_msg_init(msg);
    int rc = zmq_msg_recv(msg, s, flags);
    if (rc < 0) {
        int err = errno;
        zmq_msg_close(msg);
        errno = err;
        return rc;
    }
    info->data = (char *)zmq_msg_data(msg);
    /* rc is the size, capped at INT_MAX: one library call fewer on the hot path */
    info->size = rc < INT_MAX ? (size_t)rc : zmq_msg_size(msg);
    info->more = zmq_msg_more(msg);
    return rc;
}

/* ---- send and recv ------------------------------------------------------------------------
 * Every send/recv helper takes the socket's zc_sock_t first: the handle and the receive
 * buffers travel as one argument (on CPython each argument of a CFFI call costs about 300
 * instructions, against about 700 for libzmq's whole inproc recv; docs/benchmarks.rst).
 *
 * A call that may wait is tried without waiting first. Only when that fails and the caller's
 * flags allow waiting does the helper note the time (wait_start, CLOCK_MONOTONIC, the clock
 * of Python's time.monotonic) and call again, waiting. A signal that interrupts the wait
 * (EINTR) returns to Python, whose handlers run, and the retry waits only for what remains
 * of RCVTIMEO/SNDTIMEO since wait_start: the clock is read only by calls that wait. */

typedef struct {
    void *handle;      /* the libzmq socket, NULL once closed (cleared with Socket._handle) */
    double wait_start; /* when the last call that had to wait began, in seconds */
    zmq_msg_t msg;     /* recv: the socket's message, owned here and open only while a recv
                          hands it over; zc_sock_msg_close is its one release path */
    zc_recvinfo_t info;
    char *buf;         /* recv: the socket's copy buffer (NULL until Python makes it) */
    size_t cap;
} zc_sock_t;

/* zc_recv_bytes' result for a message left open in st->msg (too big for the buffer) */
#define ZC_RECV_HELD INT_MAX

/* Close st->msg once its bytes are copied out: in the helpers below, and from Python
   (Socket._take_held) for a message they left open. */
static void zc_sock_msg_close(zc_sock_t *st)
{
    zmq_msg_close(&st->msg);
}

/* After a failed attempt that did not wait: note when waiting begins, and say whether to call
   again waiting (the error is EAGAIN and the caller's flags allow waiting). errno is kept. */
static int zc_must_wait(zc_sock_t *st, int flags)
{
    if (flags & ZMQ_DONTWAIT) {
        st->wait_start = 0; /* not a wait: a retry after EINTR has no time to shorten */
        return 0;
    }
    int err = errno;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    st->wait_start = (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
    errno = err;
    return err == EAGAIN;
}

/* send a copy of buf (typed char * so that bytes pass without conversion) */
static int zc_send_bytes(zc_sock_t *st, const char *buf, size_t len, int flags)
{
    int rc = zmq_send(st->handle, buf, len, flags | ZMQ_DONTWAIT);
    if (rc < 0 && zc_must_wait(st, flags))
        rc = zmq_send(st->handle, buf, len, flags);
    return rc;
}

/* zc_send_bytes with flags 0: one argument fewer for the common call */
static int zc_send_bytes0(zc_sock_t *st, const char *buf, size_t len)
{
    return zc_send_bytes(st, buf, len, 0);
}

/* PyPy: send a copy of the first len bytes of st->buf, where Python has just copied them
   (PyPy passes a bytes object as char * at a cost of ~12 ns a call, ~6x the copy) */
static int zc_send_buffered(zc_sock_t *st, size_t len, int flags)
{
    return zc_send_bytes(st, st->buf, len, flags);
}

/* recv into st->buf when the message fits (the message is closed again): returns its size.
   A bigger message (or any, before Python made the buffer) stays open in st->msg, described
   by st->info, and the result is ZC_RECV_HELD. */
static int zc_recv_bytes(zc_sock_t *st, int flags)
{
    int rc = zc_recv(st->handle, &st->msg, flags | ZMQ_DONTWAIT, &st->info);
    if (rc < 0 && zc_must_wait(st, flags))
        rc = zc_recv(st->handle, &st->msg, flags, &st->info);
    if (rc < 0)
        return rc;
    size_t size = st->info.size;
    if (st->buf == NULL || size > st->cap)
        return ZC_RECV_HELD;
    memcpy(st->buf, st->info.data, size);
    zc_sock_msg_close(st);
    return (int)size;
}

/* zc_recv_bytes with flags 0: on CPython a one-argument call, the cheapest kind */
static int zc_recv_bytes0(zc_sock_t *st)
{
    return zc_recv_bytes(st, 0);
}

/* recv_multipart's copying path in one crossing: the frames of one message land back to back
   in st->buf while they fit, their sizes in sizes[]. Returns how many were copied, or -1 when
   the first recv failed (errno set, nothing received). Then st->info.more says whether frames
   remain; st->info.held says the next one is open in st->msg (described by st->info) because
   it did not fit. A later recv that fails (rare: the frames of a message arrive together)
   returns the count so far with info.more set, and the caller's ordinary recv reports the
   error. Only the first frame may wait. */
static int zc_recv_parts(zc_sock_t *st, int flags, size_t *sizes, int maxparts)
{
    zc_recvinfo_t *info = &st->info;
    size_t used = 0, cap = st->cap;
    int n = 0;
    info->held = 0;
    if (zc_recv(st->handle, &st->msg, flags | ZMQ_DONTWAIT, info) < 0
        && (!zc_must_wait(st, flags) || zc_recv(st->handle, &st->msg, flags, info) < 0))
        return -1;
    while (1) {
        if (info->size > cap - used) {
            info->held = 1;
            return n;
        }
        memcpy(st->buf + used, info->data, info->size);
        zc_sock_msg_close(st);
        used += info->size;
        sizes[n++] = info->size;
        if (!info->more || n == maxparts)
            return n;
        if (zc_recv(st->handle, &st->msg, flags, info) < 0) {
            info->more = 1;
            return n;
        }
    }
}

/* send_multipart's copying path: up to four frames in one crossing; every frame but the last
   gets ZMQ_SNDMORE added, the last is sent with `flags` as given. Returns -1 when the first
   frame failed (errno set, nothing sent), else how many frames were sent (errno set when fewer
   than n): the caller sends the rest its ordinary way. Only the first frame may wait. */
static int zc_send_parts(zc_sock_t *st, int flags, int n, const char *p0, size_t n0,
                         const char *p1, size_t n1, const char *p2, size_t n2, const char *p3,
                         size_t n3)
{
    const char *data[4] = {p0, p1, p2, p3};
    size_t len[4] = {n0, n1, n2, n3};
    for (int i = 0; i < n; i++) {
        int f = i < n - 1 ? flags | ZMQ_SNDMORE : flags;
        if (zmq_send(st->handle, data[i], len[i], i ? f : f | ZMQ_DONTWAIT) >= 0)
            continue;
        if (i == 0 && zc_must_wait(st, f) && zmq_send(st->handle, data[0], len[0], f) >= 0)
            continue;
        return i ? i : -1;
    }
    return n;
}

/* send a shallow copy of msg (a Frame's), leaving msg itself intact for reuse */
static int zc_send_frame(zc_sock_t *st, zmq_msg_t *msg, int flags)
{
    zmq_msg_t tmp;
    zmq_msg_init(&tmp);
    if (zmq_msg_copy(&tmp, msg) < 0) {
        int err = errno;
        zmq_msg_close(&tmp);
        errno = err;
        return -1;
    }
    int rc = zmq_msg_send(&tmp, st->handle, flags | ZMQ_DONTWAIT);
    if (rc < 0 && zc_must_wait(st, flags))
        rc = zmq_msg_send(&tmp, st->handle, flags);
    if (rc < 0) {
        int err = errno;
        zmq_msg_close(&tmp);
        errno = err;
    }
    return rc;
}

/* recv_into: zmq_recv into the caller's buffer (truncating, as zmq_recv does) */
static int zc_recv_into(zc_sock_t *st, void *buf, size_t len, int flags)
{
    int rc = zmq_recv(st->handle, buf, len, flags | ZMQ_DONTWAIT);
    if (rc < 0 && zc_must_wait(st, flags))
        rc = zmq_recv(st->handle, buf, len, flags);
    return rc;
}

static int zc_msg_init_copy(zmq_msg_t *msg, const char *buf, size_t len)
{
    if (zmq_msg_init_size(msg, len) < 0)
        return -1;
    if (len)
        memcpy(zmq_msg_data(msg), buf, len);
    return 0;
}

/* ---- the zero-copy release queue --------------------------------------------------------
 * libzmq calls zc_free_notify on whatever thread drops the last reference to a zero-copy
 * message, usually its IO thread. It only appends the message's token to this queue under a
 * mutex and signals a condition variable: no Python, no GIL. Python drains the queue (on the
 * next zero-copy send, or when a MessageTracker is asked) and releases the buffers there. */

static pthread_mutex_t zc_rel_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zc_rel_cond = PTHREAD_COND_INITIALIZER;
static int64_t *zc_rel_items = NULL;
static size_t zc_rel_len = 0, zc_rel_cap = 0;
static int64_t zc_rel_total = 0;

static void zc_free_notify(void *data, void *hint)
{
    (void)data;
    int64_t token = (int64_t)(intptr_t)hint;
    pthread_mutex_lock(&zc_rel_lock);
    if (zc_rel_len == zc_rel_cap) {
        size_t cap = zc_rel_cap ? zc_rel_cap * 2 : 1024;
        int64_t *items = realloc(zc_rel_items, cap * sizeof(int64_t));
        if (items == NULL) {
            /* Out of memory: the token is lost, so its buffer stays referenced (a leak),
               which is the only safe outcome; the memory libzmq used is not touched. */
            pthread_mutex_unlock(&zc_rel_lock);
            return;
        }
        zc_rel_items = items;
        zc_rel_cap = cap;
    }
    zc_rel_items[zc_rel_len++] = token;
    zc_rel_total++;
    pthread_cond_broadcast(&zc_rel_cond);
    pthread_mutex_unlock(&zc_rel_lock);
}

static int zc_msg_init_zerocopy(zmq_msg_t *msg, void *buf, size_t len, int64_t token)
{
    return zmq_msg_init_data(msg, buf, len, zc_free_notify, (void *)(intptr_t)token);
}

/* send a zero-copy message in one crossing (msg is consumed; on error its release is queued) */
static int zc_send_zerocopy(zc_sock_t *st, void *buf, size_t len, int flags, int64_t token)
{
    zmq_msg_t msg;
    if (zc_msg_init_zerocopy(&msg, buf, len, token) < 0)
        return -1;
    int rc = zmq_msg_send(&msg, st->handle, flags | ZMQ_DONTWAIT);
    if (rc < 0 && zc_must_wait(st, flags))
        rc = zmq_msg_send(&msg, st->handle, flags);
    if (rc < 0) {
        int err = errno;
        zmq_msg_close(&msg); /* queues the token: the caller's buffer is released */
        errno = err;
    }
    return rc;
}

static int zc_release_drain(int64_t *out, int cap)
{
    int n = 0;
    pthread_mutex_lock(&zc_rel_lock);
    if (zc_rel_len) {
        n = zc_rel_len < (size_t)cap ? (int)zc_rel_len : cap;
        memcpy(out, zc_rel_items, n * sizeof(int64_t));
        memmove(zc_rel_items, zc_rel_items + n, (zc_rel_len - n) * sizeof(int64_t));
        zc_rel_len -= n;
    }
    pthread_mutex_unlock(&zc_rel_lock);
    return n;
}

/* Wait until the queue is not empty, at most timeout_ms (< 0: no limit). Returns its length. */
static int zc_release_wait(int timeout_ms)
{
    struct timespec deadline;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec += 1;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&zc_rel_lock);
    while (zc_rel_len == 0) {
        int rc = timeout_ms >= 0
            ? pthread_cond_timedwait(&zc_rel_cond, &zc_rel_lock, &deadline)
            : pthread_cond_wait(&zc_rel_cond, &zc_rel_lock);
        if (rc == ETIMEDOUT)
            break;
    }
    int n = (int)zc_rel_len;
    pthread_mutex_unlock(&zc_rel_lock);
    return n;
}

static int64_t zc_release_pending(void)
{
    pthread_mutex_lock(&zc_rel_lock);
    int64_t n = (int64_t)zc_rel_len;
    pthread_mutex_unlock(&zc_rel_lock);
    return n;
}

/* ---- large received messages and PyPy's GC -----------------------------------------------
 * A Frame from recv(copy=False) tells PyPy's GC how much memory its message holds (the ffi.gc
 * size hint). Every hinted byte brings the next major collection closer, and a major
 * collection marks the whole heap: with 1 MiB messages arriving at GB/s, a hint for each one
 * meant a major collection every ~80 messages in the benchmark process, most of the receiving
 * thread's time. So the first bytes of received messages not yet released go unreported
 * (hint 0); only what exceeds that allowance is hinted. The memory that waits for the GC is
 * bounded all the same: by the allowance plus what the hints let the GC see.
 *
 * The allowance follows the size of the messages received: 256 of them (about one major
 * collection per 256 messages at most), between zc_rx_allowance_min and zc_rx_allowance_max.
 * A stream of 1 MiB messages gets 256 MiB, which keeps a PyPy receiver at GB/s; a program
 * receiving 100 KB messages keeps at most the minimum (32 MiB by default) waiting unseen.
 * The size is an average over the last ~16 messages received with copy=False, updated without a lock: a lost update
 * from another thread only delays the estimate.
 *
 * Each message from recv(copy=False) is one malloc'd zc_rxmsg_t: the zmq_msg_t first (the
 * pointer Python holds), then how many bytes it added to zc_rx_pending. zc_rxmsg_free is its only release
 * path (the ffi.gc destructor): it closes the message, takes its bytes off the count and frees
 * the block. Any thread may run it; the count is atomic. */

typedef struct {
    zmq_msg_t msg; /* first: a zc_rxmsg_t * is a zmq_msg_t * */
    size_t counted;
} zc_rxmsg_t;

#define ZC_RX_MESSAGES_UNHINTED 256
static int64_t zc_rx_pending = 0;
static int64_t zc_rx_allowance_min = 0;
static int64_t zc_rx_allowance_max = 0;
static int64_t zc_rx_avg_size = 0; /* average message size, times 16 */

static void zc_rx_set_allowance(int64_t minimum, int64_t maximum)
{
    __atomic_store_n(&zc_rx_allowance_min, minimum, __ATOMIC_RELAXED);
    __atomic_store_n(&zc_rx_allowance_max, maximum, __ATOMIC_RELAXED);
}

/* The allowance now: 256 messages of the average size, within [min, max]. */
static int64_t zc_rx_allowance(void)
{
    int64_t lo = __atomic_load_n(&zc_rx_allowance_min, __ATOMIC_RELAXED);
    int64_t hi = __atomic_load_n(&zc_rx_allowance_max, __ATOMIC_RELAXED);
    int64_t want = __atomic_load_n(&zc_rx_avg_size, __ATOMIC_RELAXED) / 16 * ZC_RX_MESSAGES_UNHINTED;
    if (want > hi)
        want = hi;
    return want < lo ? lo : want;
}

/* A zero-filled message (closing it unreceived is harmless), or NULL when out of memory. */
static zmq_msg_t *zc_rxmsg_new(void)
{
    zc_rxmsg_t *rx = calloc(1, sizeof(zc_rxmsg_t));
    return rx ? &rx->msg : NULL;
}

/* Count the message just received into msg (from zc_rxmsg_new) as pending: returns the size
   hint to give the GC, the part of its bytes beyond the allowance. */
static size_t zc_rxmsg_count(zmq_msg_t *msg, size_t size)
{
    zc_rxmsg_t *rx = (zc_rxmsg_t *)msg;
    rx->counted = size;
    int64_t avg = __atomic_load_n(&zc_rx_avg_size, __ATOMIC_RELAXED);
    __atomic_store_n(&zc_rx_avg_size, avg - avg / 16 + (int64_t)size, __ATOMIC_RELAXED);
    int64_t after = __atomic_add_fetch(&zc_rx_pending, (int64_t)size, __ATOMIC_RELAXED);
    int64_t over = after - zc_rx_allowance();
    return over <= 0 ? 0 : over < (int64_t)size ? (size_t)over : size;
}

/* recv(copy=False): receive into msg (from zc_rxmsg_new, received into once), waiting as the
   other helpers do (see zc_must_wait), and count it; st->info describes the message,
   info.hint is its GC size hint. */
static int zc_recv_frame(zc_sock_t *st, zmq_msg_t *msg, int flags)
{
    int rc = zc_recv(st->handle, msg, flags | ZMQ_DONTWAIT, &st->info);
    if (rc < 0 && zc_must_wait(st, flags))
        rc = zc_recv(st->handle, msg, flags, &st->info);
    if (rc >= 0)
        st->info.hint = zc_rxmsg_count(msg, st->info.size);
    return rc;
}

/* Take msg's bytes off the pending count (a message that holds no new memory). */
static void zc_rxmsg_uncount(zmq_msg_t *msg)
{
    zc_rxmsg_t *rx = (zc_rxmsg_t *)msg;
    if (rx->counted)
        __atomic_sub_fetch(&zc_rx_pending, (int64_t)rx->counted, __ATOMIC_RELAXED);
    rx->counted = 0;
}

static void zc_rxmsg_free(zmq_msg_t *msg)
{
    zc_rxmsg_t *rx = (zc_rxmsg_t *)msg;
    zmq_msg_close(msg); /* harmless on a message that was never received into (EFAULT) */
    if (rx->counted)
        __atomic_sub_fetch(&zc_rx_pending, (int64_t)rx->counted, __ATOMIC_RELAXED);
    free(rx);
}

/* ---- options ---------------------------------------------------------------------------- */

static long long zc_getsockopt_int(void *s, int option)
{
    int value = 0;
    size_t size = sizeof(value);
    if (zmq_getsockopt(s, option, &value, &size) < 0)
        return ZC_GETSOCKOPT_ERROR;
    return value;
}

static int zc_setsockopt_int(void *s, int option, int value)
{
    return zmq_setsockopt(s, option, &value, sizeof(value));
}

/* ---- contexts --------------------------------------------------------------------------- */

/* EINTR is retried here in C: this thread runs no Python (backend/eintr.py is the loop for
   every call made from Python). */
static void *zc_term_thread(void *ctx)
{
    while (zmq_ctx_term(ctx) < 0 && errno == EINTR)
        ;
    return NULL;
}

static int zc_ctx_term_detached(void *ctx)
{
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, zc_term_thread, ctx);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return 0;
}

/* ---- DRAFT API -------------------------------------------------------------------------- */

#if ZC_DRAFT_BUILD
static int zc_join(void *s, const char *group) { return zmq_join(s, group); }
static int zc_leave(void *s, const char *group) { return zmq_leave(s, group); }
static int zc_msg_set_routing_id(zmq_msg_t *m, uint32_t id) { return zmq_msg_set_routing_id(m, id); }
static uint32_t zc_msg_routing_id(zmq_msg_t *m) { return zmq_msg_routing_id(m); }
static int zc_msg_set_group(zmq_msg_t *m, const char *g) { return zmq_msg_set_group(m, g); }
static const char *zc_msg_group(zmq_msg_t *m) { return zmq_msg_group(m); }
#else
static int zc_join(void *s, const char *g) { (void)s; (void)g; errno = ENOTSUP; return -1; }
static int zc_leave(void *s, const char *g) { (void)s; (void)g; errno = ENOTSUP; return -1; }
static int zc_msg_set_routing_id(zmq_msg_t *m, uint32_t id) { (void)m; (void)id; errno = ENOTSUP; return -1; }
static uint32_t zc_msg_routing_id(zmq_msg_t *m) { (void)m; errno = ENOTSUP; return 0; }
static int zc_msg_set_group(zmq_msg_t *m, const char *g) { (void)m; (void)g; errno = ENOTSUP; return -1; }
static const char *zc_msg_group(zmq_msg_t *m) { (void)m; errno = ENOTSUP; return NULL; }
#endif

/* ---- buffer protocol for Frame on CPython ------------------------------------------------
 * CPython before 3.12 ignores a Python-level __buffer__, so memoryview(frame) needs a C base
 * type whose getbuffer slot exports frame.buffer (a memoryview that pins the message).
 * PyPy honours __buffer__ and gets a NULL here. */

#if defined(PYPY_VERSION) || (defined(Py_LIMITED_API) && Py_LIMITED_API + 0 < 0x030b0000)
/* PyPy, or a limited API older than 3.11 (which lacks the buffer slots): no base type. */
static void *zc_buffer_base_type(void) { return NULL; }
#else
static int zc_frame_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    PyObject *buffer = PyObject_GetAttrString(self, "buffer");
    if (buffer == NULL)
        return -1;
    int rc = PyObject_GetBuffer(buffer, view, flags);
    Py_DECREF(buffer);
    return rc;
}

static PyType_Slot zc_buffer_base_slots[] = {
    {Py_bf_getbuffer, (void *)zc_frame_getbuffer},
    {0, NULL},
};

static PyType_Spec zc_buffer_base_spec = {
    "zmq_cffi._ffi.BufferBase", sizeof(PyObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, zc_buffer_base_slots,
};

/* A new reference to the base type, or NULL with nothing raised. */
static void *zc_buffer_base_type(void)
{
    PyGILState_STATE gil = PyGILState_Ensure(); /* CFFI released the GIL for this call */
    PyObject *type = PyType_FromSpec(&zc_buffer_base_spec);
    if (type == NULL)
        PyErr_Clear();
    PyGILState_Release(gil);
    return type;
}
#endif

/* ---- recv(copy=False) on PyPy: a dropped Frame's message released without waiting for the GC
 * A zc_rxshared_t is a zc_rxmsg_t (counted the same way) with two references: the Frame's
 * ffi.gc destructor, and frame.py's watch, which sees the Frame gone when a minor collection
 * clears its weakref, long before a major collection would run the destructor. Each calls
 * zc_rxshared_release once: the first call closes the message and takes its bytes off the
 * pending count, the last gives the block back. Any thread may call it.
 *
 * Blocks are recycled through a free list: a block outlives its message until the destructor
 * runs (a major collection later), and such small, long-lived blocks malloc'd between the
 * large messages split the holes those leave, so that the heap grew by ~25 MB per 1,000
 * 100 KB messages (tests/test_memory.py). */
typedef struct zc_rxshared {
    zc_rxmsg_t rx; /* first: a zc_rxshared_t * is a zmq_msg_t * */
    int refs;
    int closed;
    uintptr_t at;             /* the message's data, recorded by zc_rxshared_hold */
    struct zc_rxshared *next; /* in the free list */
} zc_rxshared_t;

#define ZC_RXSHARED_KEEP 4096
static pthread_mutex_t zc_rxshared_lock = PTHREAD_MUTEX_INITIALIZER;
static zc_rxshared_t *zc_rxshared_free_list = NULL;
static int zc_rxshared_free_count = 0;

/* A zero-filled message with one reference (the destructor's), or NULL when out of memory. */
static zmq_msg_t *zc_rxshared_new(void)
{
    pthread_mutex_lock(&zc_rxshared_lock);
    zc_rxshared_t *b = zc_rxshared_free_list;
    if (b != NULL) {
        zc_rxshared_free_list = b->next;
        zc_rxshared_free_count--;
    }
    pthread_mutex_unlock(&zc_rxshared_lock);
    if (b != NULL)
        memset(b, 0, sizeof(zc_rxshared_t));
    else if ((b = calloc(1, sizeof(zc_rxshared_t))) == NULL)
        return NULL;
    b->refs = 1;
    return &b->rx.msg;
}

/* One more reference: the watch's. Called while the Frame holds the message open, so that
   its data address can be read now (libzmq asserts on zmq_msg_data of a closed message). */
static void zc_rxshared_hold(zmq_msg_t *msg)
{
    zc_rxshared_t *b = (zc_rxshared_t *)msg;
    b->at = (uintptr_t)zmq_msg_data(msg);
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
}

/* Where the message's data was when it was held. */
static uintptr_t zc_rxshared_at(zmq_msg_t *msg)
{
    return ((zc_rxshared_t *)msg)->at;
}

static void zc_rxshared_release(zmq_msg_t *msg)
{
    zc_rxshared_t *b = (zc_rxshared_t *)msg;
    if (!__atomic_exchange_n(&b->closed, 1, __ATOMIC_ACQ_REL)) {
        zmq_msg_close(msg); /* harmless on a message that was never received into (EFAULT) */
        zc_rxmsg_uncount(msg);
    }
    if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    pthread_mutex_lock(&zc_rxshared_lock);
    if (zc_rxshared_free_count < ZC_RXSHARED_KEEP) {
        b->next = zc_rxshared_free_list;
        zc_rxshared_free_list = b;
        zc_rxshared_free_count++;
        b = NULL;
    }
    pthread_mutex_unlock(&zc_rxshared_lock);
    free(b);
}
