/* The C limit: the benchmark scenarios that run in one process, written against libzmq
 * directly, so the table can show zmq_cffi as a share of what C gets from the same libzmq.
 *
 *   c_limit SCENARIO SIZE N ROUNDS WARMUP
 *
 * Runs WARMUP + ROUNDS rounds of N operations each, as bench/scenarios.py does, and prints one
 * JSON line with the figure bench/harness.py would store for that scenario, from the median
 * round: us_per_op (per_call), msgs_per_s (throughput) or gb_per_s (bandwidth). Each loop is
 * what a C programmer would write: zmq_send from a buffer, zmq_recv into one (a copy, as
 * Python's recv() makes bytes), zmq_msg_t only where the Python scenario uses copy=False.
 * Built by .ci/bench.sh with the system compiler against the system libzmq (zmq_cffi's).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define TIMEOUT_MS 10000

static void die(const char *what)
{
    fprintf(stderr, "c_limit: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void setint(void *s, int opt, int value)
{
    if (zmq_setsockopt(s, opt, &value, sizeof value) < 0)
        die("zmq_setsockopt");
}

/* As scenarios.bounded(): LINGER 0, timeouts, HWM (0: unlimited). */
static void *bounded_socket(void *ctx, int type, int hwm)
{
    void *s = zmq_socket(ctx, type);
    if (!s)
        die("zmq_socket");
    setint(s, ZMQ_LINGER, 0);
    setint(s, ZMQ_RCVTIMEO, TIMEOUT_MS);
    setint(s, ZMQ_SNDTIMEO, TIMEOUT_MS);
    setint(s, ZMQ_SNDHWM, hwm);
    setint(s, ZMQ_RCVHWM, hwm);
    return s;
}

static void pair(void *ctx, int bind_type, int connect_type, const char *name, int hwm,
                 void **a, void **b)
{
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://%s", name);
    *a = bounded_socket(ctx, bind_type, hwm);
    *b = bounded_socket(ctx, connect_type, hwm);
    if (zmq_bind(*a, ep) < 0)
        die("zmq_bind");
    if (zmq_connect(*b, ep) < 0)
        die("zmq_connect");
}

static char buf[1 << 16];

static void send_n(void *s, const char *msg, size_t size, int n)
{
    for (int i = 0; i < n; i++)
        if (zmq_send(s, msg, size, 0) < 0)
            die("zmq_send");
}

static void recv_n(void *s, int n)
{
    for (int i = 0; i < n; i++)
        if (zmq_recv(s, buf, sizeof buf, 0) < 0)
            die("zmq_recv");
}

/* ---- scenarios: each returns the seconds of one round ------------------------------------ */

typedef struct {
    void *ctx, *a, *b, *more[8];
    char *msg;
    size_t size;
    int n;
    pthread_t thread;
    volatile int stop;
} state_t;

static double run_fill_drain(state_t *st)
{
    double t0 = now();
    send_n(st->a, st->msg, st->size, st->n);
    recv_n(st->b, st->n);
    return now() - t0;
}

static double run_send(state_t *st)
{
    double t0 = now();
    send_n(st->a, st->msg, st->size, st->n);
    double t = now() - t0;
    recv_n(st->b, st->n); /* untimed, as the Python scenario's teardown */
    return t;
}

static double run_recv(state_t *st)
{
    send_n(st->a, st->msg, st->size, st->n); /* untimed, as the Python scenario's setup */
    double t0 = now();
    recv_n(st->b, st->n);
    return now() - t0;
}

static double run_multipart(state_t *st)
{
    static char topic[5], head[32], body[512];
    zmq_msg_t msg;
    double t0 = now();
    for (int i = 0; i < st->n; i++) {
        if (zmq_send(st->a, topic, sizeof topic, ZMQ_SNDMORE) < 0
            || zmq_send(st->a, head, sizeof head, ZMQ_SNDMORE) < 0
            || zmq_send(st->a, body, sizeof body, 0) < 0)
            die("zmq_send");
    }
    for (int i = 0; i < st->n; i++) {
        size_t used = 0;
        do { /* every frame copied out, as recv_multipart() makes bytes of each */
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, st->b, 0) < 0)
                die("zmq_msg_recv");
            memcpy(buf + used, zmq_msg_data(&msg), zmq_msg_size(&msg));
            used += zmq_msg_size(&msg);
            zmq_msg_close(&msg);
        } while (zmq_msg_more(&msg));
    }
    return now() - t0;
}

static double run_poll(state_t *st)
{
    zmq_pollitem_t items[10];
    for (int i = 0; i < 10; i++) {
        items[i].socket = st->more[i % 8];
        items[i].fd = 0;
        items[i].events = ZMQ_POLLIN;
    }
    items[8].socket = st->a;
    items[9].socket = st->b;
    double t0 = now();
    for (int i = 0; i < st->n; i++)
        if (zmq_poll(items, 10, 0) < 0)
            die("zmq_poll");
    return now() - t0;
}

static double run_create_close(state_t *st)
{
    void *ctx = zmq_ctx_new(); /* a fresh context per round, terminated untimed */
    double t0 = now();
    for (int i = 0; i < st->n; i++) {
        void *s = zmq_socket(ctx, ZMQ_PUSH);
        if (!s)
            die("zmq_socket");
        zmq_close(s);
    }
    double t = now() - t0;
    zmq_ctx_term(ctx);
    return t;
}

static void *echo(void *arg)
{
    state_t *st = arg;
    while (!st->stop) {
        int n = zmq_recv(st->a, buf, sizeof buf, 0);
        if (n < 0) {
            if (zmq_errno() == EAGAIN)
                continue;
            if (zmq_errno() == ETERM)
                return NULL;
            die("echo zmq_recv");
        }
        if (zmq_send(st->a, buf, n, 0) < 0)
            die("echo zmq_send");
    }
    return NULL;
}

static double run_req_rep(state_t *st)
{
    static char rbuf[64];
    double t0 = now();
    for (int i = 0; i < st->n; i++) {
        if (zmq_send(st->b, "ping", 4, 0) < 0 || zmq_recv(st->b, rbuf, sizeof rbuf, 0) < 0)
            die("req");
    }
    return now() - t0;
}

static void *sender(void *arg)
{
    state_t *st = arg;
    while (!st->stop) {
        for (int i = 0; i < 256; i++) {
            if (zmq_send(st->b, st->msg, st->size, 0) < 0) {
                if (zmq_errno() == EAGAIN)
                    break;
                if (zmq_errno() == ETERM)
                    return NULL;
                die("sender zmq_send");
            }
        }
    }
    return NULL;
}

static double run_push_pull(state_t *st)
{
    static char rbuf[2048];
    double t0 = now();
    for (int i = 0; i < st->n; i++)
        if (zmq_recv(st->a, rbuf, sizeof rbuf, 0) < 0)
            die("zmq_recv");
    return now() - t0;
}

static void no_free(void *data, void *hint)
{
    (void)data;
    (void)hint;
}

static double run_zero_copy(state_t *st)
{
    zmq_msg_t msg;
    double t0 = now();
    for (int i = 0; i < st->n; i++) {
        zmq_msg_init_data(&msg, st->msg, st->size, no_free, NULL);
        if (zmq_msg_send(&msg, st->a, 0) < 0)
            die("zmq_msg_send");
    }
    for (int i = 0; i < st->n; i++) {
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, st->b, 0) < 0)
            die("zmq_msg_recv");
        zmq_msg_close(&msg);
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: c_limit SCENARIO SIZE N ROUNDS WARMUP\n");
        return 2;
    }
    const char *name = argv[1];
    state_t st;
    memset(&st, 0, sizeof st);
    st.size = (size_t)atol(argv[2]);
    st.n = atoi(argv[3]);
    int rounds = atoi(argv[4]), warmup = atoi(argv[5]);
    st.msg = malloc(st.size ? st.size : 1);
    memset(st.msg, 'x', st.size);
    st.ctx = zmq_ctx_new();

    double (*run)(state_t *) = NULL;
    const char *key = "us_per_op";
    int threaded = 0;
    if (!strcmp(name, "fill_drain") || !strcmp(name, "send_inproc") || !strcmp(name, "recv_inproc")) {
        pair(st.ctx, ZMQ_PUSH, ZMQ_PULL, "fill", 0, &st.a, &st.b);
        run = name[0] == 'f' ? run_fill_drain : name[0] == 's' ? run_send : run_recv;
    } else if (!strcmp(name, "multipart_3_frames")) {
        pair(st.ctx, ZMQ_PUSH, ZMQ_PULL, "multi", 0, &st.a, &st.b);
        run = run_multipart;
    } else if (!strcmp(name, "poller_poll0_10_sockets")) {
        char ep[16];
        for (int i = 0; i < 4; i++) {
            snprintf(ep, sizeof ep, "poll%d", i);
            pair(st.ctx, ZMQ_PAIR, ZMQ_PAIR, ep, 0, &st.more[2 * i], &st.more[2 * i + 1]);
        }
        pair(st.ctx, ZMQ_PAIR, ZMQ_PAIR, "poll4", 0, &st.a, &st.b);
        if (zmq_send(st.more[0], "ready", 5, 0) < 0)
            die("zmq_send");
        run = run_poll;
    } else if (!strcmp(name, "socket_create_close")) {
        run = run_create_close;
    } else if (!strcmp(name, "req_rep_inproc")) {
        pair(st.ctx, ZMQ_REP, ZMQ_REQ, "rr", 0, &st.a, &st.b);
        setint(st.a, ZMQ_RCVTIMEO, 500);
        pthread_create(&st.thread, NULL, echo, &st);
        threaded = 1;
        run = run_req_rep;
    } else if (!strcmp(name, "push_pull_inproc")) {
        pair(st.ctx, ZMQ_PULL, ZMQ_PUSH, "stream", 1000, &st.a, &st.b);
        setint(st.b, ZMQ_SNDTIMEO, 200);
        pthread_create(&st.thread, NULL, sender, &st);
        threaded = 1;
        run = run_push_pull;
        key = "msgs_per_s";
    } else if (!strcmp(name, "zero_copy_1mib_inproc")) {
        pair(st.ctx, ZMQ_PUSH, ZMQ_PULL, "zc", 0, &st.a, &st.b);
        run = run_zero_copy;
        key = "gb_per_s";
    } else {
        fprintf(stderr, "c_limit: no C version of %s\n", name);
        return 2;
    }

    double *times = malloc(sizeof(double) * (rounds > 0 ? rounds : 1));
    for (int i = 0; i < warmup; i++)
        run(&st);
    for (int i = 0; i < rounds; i++)
        times[i] = run(&st);
    double m = median(times, rounds);

    if (threaded) {
        st.stop = 1;
        pthread_join(st.thread, NULL);
    }
    void *socks[] = {st.a, st.b, st.more[0], st.more[1], st.more[2], st.more[3],
                     st.more[4], st.more[5], st.more[6], st.more[7]};
    for (size_t i = 0; i < sizeof socks / sizeof socks[0]; i++)
        if (socks[i])
            zmq_close(socks[i]);
    zmq_ctx_term(st.ctx);

    double value;
    if (!strcmp(key, "us_per_op"))
        value = m / st.n * 1e6;
    else if (!strcmp(key, "msgs_per_s"))
        value = st.n / m;
    else
        value = (double)st.n * st.size / m / 1e9;
    printf("{\"%s\": %.6g, \"rounds\": %d}\n", key, value, rounds);
    return 0;
}
