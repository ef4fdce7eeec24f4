/* The libzmq C API that zmq_cffi calls. Sizes and layouts come from zmq.h at compile time:
   zmq_msg_t is opaque, zmq_fd_t is an integer type of unknown size. */

typedef struct { ...; } zmq_msg_t;
typedef int... zmq_fd_t;

typedef struct {
    void *socket;
    zmq_fd_t fd;
    short events;
    short revents;
    ...;
} zmq_pollitem_t;

typedef void (zmq_free_fn) (void *data, void *hint);

/* errors and versions */
int zmq_errno (void);
const char *zmq_strerror (int errnum);
void zmq_version (int *major, int *minor, int *patch);
int zmq_has (const char *capability);

/* contexts */
void *zmq_ctx_new (void);
int zmq_ctx_term (void *context);
int zmq_ctx_shutdown (void *context);
int zmq_ctx_set (void *context, int option, int optval);
int zmq_ctx_get (void *context, int option);

/* messages */
int zmq_msg_init (zmq_msg_t *msg);
int zmq_msg_init_size (zmq_msg_t *msg, size_t size);
int zmq_msg_init_data (zmq_msg_t *msg, void *data, size_t size, zmq_free_fn *ffn, void *hint);
int zmq_msg_send (zmq_msg_t *msg, void *s, int flags);
int zmq_msg_recv (zmq_msg_t *msg, void *s, int flags);
int zmq_msg_close (zmq_msg_t *msg);
int zmq_msg_move (zmq_msg_t *dest, zmq_msg_t *src);
int zmq_msg_copy (zmq_msg_t *dest, zmq_msg_t *src);
void *zmq_msg_data (zmq_msg_t *msg);
size_t zmq_msg_size (const zmq_msg_t *msg);
int zmq_msg_more (const zmq_msg_t *msg);
int zmq_msg_get (const zmq_msg_t *msg, int property);
int zmq_msg_set (zmq_msg_t *msg, int property, int optval);
const char *zmq_msg_gets (const zmq_msg_t *msg, const char *property);

/* sockets */
void *zmq_socket (void *context, int type);
int zmq_close (void *s);
int zmq_setsockopt (void *s, int option, const void *optval, size_t optvallen);
int zmq_getsockopt (void *s, int option, void *optval, size_t *optvallen);
int zmq_bind (void *s, const char *addr);
int zmq_connect (void *s, const char *addr);
int zmq_unbind (void *s, const char *addr);
int zmq_disconnect (void *s, const char *addr);
int zmq_send (void *s, const void *buf, size_t len, int flags);
int zmq_recv (void *s, void *buf, size_t len, int flags);
int zmq_socket_monitor (void *s, const char *addr, int events);

/* polling and devices */
int zmq_poll (zmq_pollitem_t *items, int nitems, long timeout);
int zmq_proxy (void *frontend, void *backend, void *capture);
int zmq_proxy_steerable (void *frontend, void *backend, void *capture, void *control);

/* encryption helpers */
char *zmq_z85_encode (char *dest, const uint8_t *data, size_t size);
uint8_t *zmq_z85_decode (uint8_t *dest, const char *string);
int zmq_curve_keypair (char *z85_public_key, char *z85_secret_key);
int zmq_curve_public (char *z85_public_key, const char *z85_secret_key);
