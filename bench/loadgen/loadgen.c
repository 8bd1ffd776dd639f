/* loadgen: the one load generator used for both sides of every benchmark pair.
 *
 * epoll, non-blocking sockets, one event loop per thread (-t; one thread by default), so that the
 * figure it reports for a server is the server's and not this program's: it also reports its own CPU
 * time and the server's, and bench/run checks both (and the C null servers, nullserver.c) to say which
 * side limits each figure.
 *
 * usage: loadgen MODE HOST PORT [options]
 *   modes: echo, redis-ping, mailbox-create, mailbox-read, files, http, chat-fanout, redis-fanout, idle
 *   -c N        connections (persistent modes) or concurrent requests (connection-per-request modes)
 *   -p N        requests in flight per connection (echo, redis-ping); messages in flight (fan-out)
 *   -d SEC      measured duration (default 3)
 *   -w SEC      warm-up before measuring (default 1)
 *   -s N        payload bytes (echo: total payload, reply is N-10; mailbox: message text; fan-out: padding)
 *   -u N        distinct mailbox users (default 100)
 *   -f NAME     file name to download (files, http)
 *   -r N        receivers (chat-fanout participants / redis subscribers)
 *   -o N        observers paired with the first N participants (chat-fanout)
 *   -P PORT     observer port (chat-fanout; default PORT+1)
 *   -x PROTO    idle: what each held connection does before it idles: echo (one message and its
 *               reply), redis (one PING), chat (reads the server's "accept"), none (nothing)
 *   -k PIDS     the server's processes (comma-separated): their CPU share is reported
 *               (server_cpu_share, all threads); idle: the first one's VmRSS is read before and after
 *   -H SEC      idle: how long to hold before reading VmRSS (default 2)
 *   -S SEC      fan-out and idle: how long joining / connecting may take before giving up (default 60)
 *   -t N        threads, each its own epoll loop over its share of the connections (echo, redis-ping,
 *               mailbox-*, fan-out: thread 0 also sends; files, http and idle run one thread). With at least N CPUs in the affinity
 *               mask, thread i is pinned to the i-th of them.
 *   --inline    redis-ping: send the inline "PING\r\n" instead of the RESP array
 *   --copy      files, http: copy the body into a buffer (default: MSG_TRUNC, counted and discarded
 *               in the kernel, so the sink costs the generator no copy)
 *
 * Output: one line of key=value pairs on stdout, e.g.
 *   mode=echo conns=1 depth=1 secs=3.000 ops=60000 ops_s=20000 p50_us=45 p99_us=80 bytes_s=160000
 *   cpu_s=0.9 cpu_share=0.30 server_cpu_share=0.95 threads=1 cpus=1 errors=0
 * cpu_share is this program's CPU seconds per wall second (1.0 = one core), all threads; cpus is the
 * number of CPUs it was allowed to run on; loadgen_cpus_busy and server_cpus_busy are how busy those
 * CPUs and the server's (its affinity) were with anyone's work, *_irq the irq + softirq part of it
 * (0-1 of the set's time, from /proc/stat; -1 unknown).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum mode { M_ECHO, M_REDIS_PING, M_MB_CREATE, M_MB_READ, M_FILES, M_HTTP, M_CHAT, M_REDIS_FAN, M_IDLE };

static const char *mode_name;
static enum mode mode;
static struct sockaddr_in addr, obs_addr;
static int opt_conns = 1, opt_depth = 1, opt_size = -1, opt_users = 100, opt_receivers = 10, opt_observers = 0;
static double opt_dur = 3, opt_warm = 1, opt_hold = 2, opt_setup = 60;
static const char *opt_file = "big.bin", *opt_idle_proto = "echo";
static int opt_inline = 0, opt_pid = 0, opt_pids[64], opt_npids, opt_threads = 1, opt_copy = 0;

/* per thread: each thread has its own epoll loop, counters and histogram, merged at the end */
static __thread int ep;
static uint64_t t_start, t_measure, t_end;
static __thread int measuring, stopping;
static __thread int c_lo, c_hi; /* this thread's connections: conns[c_lo..c_hi) */

/* ---- counters and latency histogram (1 µs buckets to 100 ms, then 1 ms buckets to 100 s) ---- */
#define HX 100000
#define HY 100000
static __thread uint64_t *hist_us, *hist_ms, hist_n;
static __thread uint64_t ops, bytes_in, errors, warm_errors;
static __thread char first_error[200];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void record(uint64_t start_ns, uint64_t end_ns)
{
    if (!measuring) return;
    uint64_t us = (end_ns - start_ns) / 1000;
    if (us < HX) hist_us[us]++;
    else if (us / 1000 < HY) hist_ms[us / 1000]++;
    else hist_ms[HY - 1]++;
    hist_n++;
    ops++;
}

static double percentile(double q)
{
    if (hist_n == 0) return 0;
    uint64_t want = (uint64_t)(q * (double)hist_n), seen = 0;
    if (want >= hist_n) want = hist_n - 1;
    for (int i = 0; i < HX; i++) { seen += hist_us[i]; if (seen > want) return i; }
    for (int i = 0; i < HY; i++) { seen += hist_ms[i]; if (seen > want) return (double)i * 1000; }
    return 0;
}

static void fail(const char *what)
{
    if (measuring) {
        errors++;
        if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s", what);
    } else {
        warm_errors++;
    }
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "loadgen: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(2);
}

/* ---- connections ---- */
enum { S_CONNECTING, S_SENDING, S_READING, S_OPEN, S_DONE };

typedef struct conn {
    int fd, idx, state, role, joined, ev, greeted;
    uint8_t *rbuf;
    size_t rlen, rcap;
    uint8_t *wbuf;
    size_t wlen, woff, wcap;
    uint64_t *ts; /* send times of requests in flight (ring of opt_depth) */
    int ts_head, inflight;
    uint64_t start_ns, body_left, body_seen;
    int header_done;
    char code[16];
} conn;

static conn *conns;
static int nconns;
/* what a connection waits for while reading: connection-per-request modes also ask for EPOLLRDHUP,
   so a response followed by the server's close is seen in one wake-up and one recv */
static uint32_t read_events = EPOLLIN;

static void set_events(conn *c, int ev)
{
    if (c->ev == ev) return;
    struct epoll_event e = {.events = (uint32_t)ev, .data.ptr = c};
    if (epoll_ctl(ep, c->ev ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e) < 0) die("epoll_ctl: %s", strerror(errno));
    c->ev = ev;
}

static void wput(conn *c, const void *p, size_t n)
{
    if (c->wlen + n > c->wcap) {
        if (c->woff) { memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff); c->wlen -= c->woff; c->woff = 0; }
        while (c->wlen + n > c->wcap) c->wcap = c->wcap ? c->wcap * 2 : 4096;
        c->wbuf = realloc(c->wbuf, c->wcap);
    }
    memcpy(c->wbuf + c->wlen, p, n);
    c->wlen += n;
}

/* Returns -1 on a socket error (the caller decides what it means). */
static int flush(conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) { set_events(c, read_events | EPOLLOUT); return 0; }
            return -1;
        }
        c->woff += (size_t)n;
    }
    c->woff = c->wlen = 0;
    set_events(c, read_events);
    return 0;
}

/* Reads everything available. Returns 1 at EOF, -1 on error, 0 otherwise. */
static int fill(conn *c)
{
    for (;;) {
        if (c->rcap - c->rlen < 65536) {
            c->rcap = c->rcap ? c->rcap * 2 : 131072;
            c->rbuf = realloc(c->rbuf, c->rcap);
        }
        size_t space = c->rcap - c->rlen;
        ssize_t n = recv(c->fd, c->rbuf + c->rlen, space, 0);
        /* a short read drained the socket: level-triggered epoll reports anything later, so no
           second recv just to see EAGAIN */
        if (n > 0) { c->rlen += (size_t)n; if (measuring) bytes_in += (uint64_t)n; if ((size_t)n < space) return 0; continue; }
        if (n == 0) return 1;
        if (errno == EAGAIN) return 0;
        return -1;
    }
}

static void consume(conn *c, size_t n)
{
    memmove(c->rbuf, c->rbuf + n, c->rlen - n);
    c->rlen -= n;
}

/* nodelay: for connections that send more than once; a connection that sends one request and then
   only reads gains nothing from it (Nagle never holds the first segment) and saves the syscall */
static int open_socket(const struct sockaddr_in *to, int *in_progress, int nodelay)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    int one = 1;
    if (nodelay) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *in_progress = 0;
    if (connect(fd, (const struct sockaddr *)to, sizeof *to) < 0) {
        if (errno != EINPROGRESS) { int e = errno; close(fd); errno = e; return -1; }
        *in_progress = 1;
    }
    return fd;
}

static int connect_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
}

/* ---- echo and redis-ping: persistent connections, opt_depth requests in flight ---- */
static uint8_t *echo_req;
static size_t echo_req_len;

static void queue_request(conn *c, uint64_t t)
{
    c->ts[(c->ts_head + c->inflight) % opt_depth] = t;
    c->inflight++;
    wput(c, echo_req, echo_req_len);
}

static void on_pipelined(conn *c, uint32_t events)
{
    if (events & EPOLLOUT) { if (flush(c) < 0) die("send: %s", strerror(errno)); }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    int r = fill(c);
    size_t pos = 0;
    uint64_t t = now_ns();
    int done = 0;
    for (;;) {
        size_t want;
        if (mode == M_ECHO) {
            if (c->rlen - pos < 4) break;
            uint32_t len = ntohl(*(uint32_t *)(c->rbuf + pos));
            want = 4 + (size_t)len;
            if (c->rlen - pos < want) break;
            size_t expect = echo_req_len - 4 > 10 ? echo_req_len - 14 : 0;
            if (len != expect || memcmp(c->rbuf + pos + 4, echo_req + 14, expect) != 0) die("%s", "echo: the reply is not the payload minus its first 10 characters");
        } else {
            want = 7;
            if (c->rlen - pos < want) break;
            if (memcmp(c->rbuf + pos, "+PONG\r\n", 7) != 0) die("%s", "redis-ping: the reply is not +PONG");
        }
        pos += want;
        if (c->inflight == 0) die("%s", "a reply nobody asked for");
        record(c->ts[c->ts_head], t);
        c->ts_head = (c->ts_head + 1) % opt_depth;
        c->inflight--;
        done++;
    }
    if (pos) consume(c, pos);
    if (r != 0) die("the server closed connection (%s)", r < 0 ? strerror(errno) : "EOF");
    /* the replies' arrival time is the new requests' send time: one clock read per wake-up */
    if (!stopping) for (int i = 0; i < done; i++) queue_request(c, t);
    if (flush(c) < 0) die("send: %s", strerror(errno));
}

/* ---- connection-per-request modes: mailbox-create, mailbox-read, files, http ---- */
static __thread uint64_t counter;

static void start_request(conn *c);

static void finish_request(conn *c, int ok, const char *why)
{
    close(c->fd);
    c->fd = -1;
    c->ev = 0;
    if (ok) record(c->start_ns, now_ns());
    else fail(why);
    c->rlen = 0;
    c->wlen = c->woff = 0;
    if (!stopping) start_request(c);
    else c->state = S_DONE;
}

static void build_request(conn *c)
{
    uint8_t buf[1200];
    size_t n = 0;
    counter++;
    if (mode == M_MB_CREATE || mode == M_MB_READ) {
        char name[32], recv_name[32];
        int nl, rl = 0, ml = 0;
        if (mode == M_MB_CREATE) {
            nl = snprintf(name, sizeof name, "bench%d", c->idx);
            rl = snprintf(recv_name, sizeof recv_name, "user%llu", (unsigned long long)(counter % (uint64_t)opt_users));
            ml = opt_size;
        } else {
            /* readers no one writes to: every read is an empty mailbox (5-byte response) */
            nl = snprintf(name, sizeof name, "reader%llu", (unsigned long long)(counter % (uint64_t)opt_users));
        }
        buf[0] = 0xAE; buf[1] = 0x73; buf[2] = mode == M_MB_CREATE ? 2 : 1;
        buf[3] = (uint8_t)nl; buf[4] = (uint8_t)rl; buf[5] = (uint8_t)(ml >> 8); buf[6] = (uint8_t)ml;
        n = 7;
        memcpy(buf + n, name, (size_t)nl); n += (size_t)nl;
        memcpy(buf + n, recv_name, (size_t)rl); n += (size_t)rl;
        for (int i = 0; i < ml; i++) buf[n++] = (uint8_t)('a' + (i % 26));
    } else if (mode == M_FILES) {
        size_t fl = strlen(opt_file);
        buf[0] = 0x49; buf[1] = 0x7E; buf[2] = 1; buf[3] = (uint8_t)(fl >> 8); buf[4] = (uint8_t)fl;
        memcpy(buf + 5, opt_file, fl);
        n = 5 + fl;
    } else {
        n = (size_t)snprintf((char *)buf, sizeof buf, "GET /%s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", opt_file);
    }
    wput(c, buf, n);
}

static void start_request(conn *c)
{
    int inprog;
    c->start_ns = now_ns();
    c->header_done = 0;
    c->body_left = c->body_seen = 0;
    build_request(c);
    c->fd = open_socket(&addr, &inprog, 0);
    if (c->fd < 0) {
        /* refused or out of ports: count it and try again on the next loop turn */
        fail(strerror(errno));
        c->state = S_DONE;
        return;
    }
    c->ev = 0;
    /* on loopback the handshake has mostly completed when connect returns (EINPROGRESS or not): send
       at once; a socket still connecting says EAGAIN and flush waits for it to become writable */
    c->state = S_CONNECTING;
    if (flush(c) < 0) { finish_request(c, 0, strerror(errno)); return; }
    if (c->wlen == 0) c->state = S_READING;
}

/* Sink for file bodies: the bytes are counted, never kept. With MSG_TRUNC the kernel discards them
   without copying (TCP supports it), so the sink's cost is the socket's, not a memcpy of every byte. */
static uint8_t sink[1 << 20];

static void on_per_request(conn *c, uint32_t events)
{
    if (c->state == S_CONNECTING) {
        int err = connect_error(c->fd);
        if (err) { finish_request(c, 0, strerror(err)); return; }
        c->state = S_READING;
        if (flush(c) < 0) { finish_request(c, 0, "send failed"); return; }
        return;
    }
    if (events & EPOLLOUT && c->woff < c->wlen) { if (flush(c) < 0) { finish_request(c, 0, "send failed"); return; } }
    if (mode == M_FILES || mode == M_HTTP) {
        for (;;) {
            if (!c->header_done) {
                uint8_t tmp[4096];
                ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
                if (n == 0) { finish_request(c, 0, "closed before the response header"); return; }
                if (n < 0) { if (errno == EAGAIN) return; finish_request(c, 0, strerror(errno)); return; }
                if (measuring) bytes_in += (uint64_t)n;
                if (c->rlen + (size_t)n > c->rcap) { c->rcap = c->rlen + (size_t)n + 4096; c->rbuf = realloc(c->rbuf, c->rcap); }
                memcpy(c->rbuf + c->rlen, tmp, (size_t)n);
                c->rlen += (size_t)n;
                size_t hdr = 0;
                if (mode == M_FILES && c->rlen >= 8) {
                    if (c->rbuf[0] != 0x49 || c->rbuf[1] != 0x7E || c->rbuf[2] != 2 || c->rbuf[3] != 1) { finish_request(c, 0, "files: not a status-1 FileResponse"); return; }
                    c->body_left = ntohl(*(uint32_t *)(c->rbuf + 4));
                    hdr = 8;
                } else if (mode == M_HTTP) {
                    uint8_t *e = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
                    if (e) {
                        hdr = (size_t)(e - c->rbuf) + 4;
                        if (memcmp(c->rbuf, "HTTP/1.1 200", 12) != 0 && memcmp(c->rbuf, "HTTP/1.0 200", 12) != 0) { finish_request(c, 0, "http: not 200"); return; }
                        uint8_t *cl = memmem(c->rbuf, hdr, "Content-Length: ", 16);
                        if (!cl) { finish_request(c, 0, "http: no Content-Length"); return; }
                        c->body_left = strtoull((char *)cl + 16, NULL, 10);
                    }
                }
                if (hdr) {
                    c->header_done = 1;
                    size_t extra = c->rlen - hdr;
                    if (extra > c->body_left) { finish_request(c, 0, "more bytes than announced"); return; }
                    c->body_left -= extra;
                    c->body_seen += extra;
                    c->rlen = 0;
                }
                continue;
            }
            ssize_t n = recv(c->fd, sink, sizeof sink, opt_copy ? 0 : MSG_TRUNC);
            if (n > 0) {
                if (measuring) bytes_in += (uint64_t)n;
                if ((uint64_t)n > c->body_left) { finish_request(c, 0, "more bytes than announced"); return; }
                c->body_left -= (uint64_t)n;
                c->body_seen += (uint64_t)n;
                continue;
            }
            if (n < 0 && errno == EAGAIN) return;
            if (n < 0) { finish_request(c, 0, strerror(errno)); return; }
            finish_request(c, c->body_left == 0, "closed before the whole file");
            return;
        }
    }
    int r = fill(c);
    /* the close had arrived when epoll reported this: fill's short read took every byte before it */
    if (r == 0 && (events & EPOLLRDHUP)) r = 1;
    if (r == 0) return;
    if (r < 0) { finish_request(c, 0, errno == ECONNRESET ? "reset by the server" : strerror(errno)); return; }
    if (mode == M_MB_CREATE) {
        finish_request(c, c->rlen == 0, "create: the server sent bytes (a create gets no response)");
        return;
    }
    /* read response: header, then NumItems messages, exactly */
    const uint8_t *b = c->rbuf;
    size_t len = c->rlen, pos = 5;
    if (len < 5 || b[0] != 0xAE || b[1] != 0x73 || b[2] != 3) { finish_request(c, 0, "read: not a MessageResponse"); return; }
    for (int i = 0; i < b[3]; i++) {
        if (pos + 3 > len) { pos = len + 1; break; }
        pos += 3 + b[pos] + ((size_t)b[pos + 1] << 8 | b[pos + 2]);
    }
    finish_request(c, pos == len, "read: malformed MessageResponse");
}

/* ---- fan-out: chat (participants + observers) and redis (SUBSCRIBE + one PUBLISH connection) ---- */
enum { R_RECEIVER, R_OBSERVER, R_PUBLISHER };
static int fan_receivers, fan_joined, fan_running;
static uint64_t fan_sent, fan_delivered, fan_delivered0; /* fan_delivered: atomic, every thread adds */
static conn *fan_sender; /* chat: participant 0 sends; redis: the PUBLISH connection */
/* With threads, thread 0 owns the sender and a share of the receivers, the other threads the rest;
   a thread whose deliveries complete a message wakes thread 0 through this eventfd to send more. */
static __thread int w_id;
static __thread uint64_t fan_local; /* this thread's deliveries not yet added to fan_delivered */
static int fan_wake_fd = -1;
static int fan_wake_tag; /* its epoll data.ptr */
static char fan_pad[1001];
static int fan_next, fan_pending;

/* Connections are opened at most 256 at a time, the next only once one has been greeted by the
   server: a burst of thousands overflows the listen queue, and with SYN cookies a client whose
   last handshake packet was dropped believes it is connected while the server never heard of it
   (chat speaks first, so such a client would wait for "accept" forever). */
static void fan_open_more(void);

static void greeted(conn *c)
{
    if (c->greeted) return;
    c->greeted = 1;
    fan_pending--;
    fan_open_more();
}

static void fan_send_more(void)
{
    if (!fan_running || stopping) return;
    /* closed loop: at most opt_depth messages not yet delivered to every receiver */
    while (fan_sent - __atomic_load_n(&fan_delivered, __ATOMIC_RELAXED) / (uint64_t)fan_receivers < (uint64_t)opt_depth) {
        char text[1100];
        int n = snprintf(text, sizeof text, "t%llu %s", (unsigned long long)now_ns(), fan_pad);
        uint8_t hdr[64];
        if (mode == M_CHAT) {
            uint32_t l = htonl((uint32_t)n);
            wput(fan_sender, &l, 4);
            wput(fan_sender, text, (size_t)n);
        } else {
            int h = snprintf((char *)hdr, sizeof hdr, "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$%d\r\n", n);
            wput(fan_sender, hdr, (size_t)h);
            wput(fan_sender, text, (size_t)n);
            wput(fan_sender, "\r\n", 2);
        }
        fan_sent++;
    }
    if (flush(fan_sender) < 0) die("send: %s", strerror(errno));
}

/* Decimal digits at p (at most n bytes), stopping at the first non-digit. strtoull was a tenth of
   the generator's CPU in fan-out (perf: locale and sign handling, once per delivery). */
static uint64_t parse_u64(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++) v = v * 10 + (uint64_t)(p[i] - '0');
    return v;
}

static void fan_delivery(const uint8_t *text, size_t len, uint64_t t)
{
    if (len < 2 || text[0] != 't') return;
    uint64_t sent = parse_u64(text + 1, len - 1);
    if (sent >= t_measure && measuring) record(sent, t);
    fan_local++;
}

/* One atomic add per batch of deliveries (a recv's worth), not one per delivery. */
static void fan_flush_local(void)
{
    if (!fan_local) return;
    uint64_t before = __atomic_fetch_add(&fan_delivered, fan_local, __ATOMIC_RELAXED), after = before + fan_local;
    fan_local = 0;
    if (w_id != 0 && fan_wake_fd >= 0 && after / (uint64_t)fan_receivers != before / (uint64_t)fan_receivers) {
        uint64_t one = 1;
        if (write(fan_wake_fd, &one, sizeof one) < 0 && errno != EAGAIN) die("eventfd: %s", strerror(errno));
    }
}

static void send_frame(conn *c, const char *s)
{
    uint32_t l = htonl((uint32_t)strlen(s));
    wput(c, &l, 4);
    wput(c, s, strlen(s));
    if (flush(c) < 0) die("send: %s", strerror(errno));
}

static void fan_open_more(void)
{
    while (fan_next < nconns && fan_pending < 256) {
        conn *c = &conns[fan_next++];
        int inprog;
        c->fd = open_socket(c->role == R_OBSERVER ? &obs_addr : &addr, &inprog, 1);
        if (c->fd < 0) die("connect: %s", strerror(errno));
        c->state = S_CONNECTING;
        set_events(c, EPOLLOUT);
        fan_pending++;
    }
}

static void joined_one(void)
{
    /* every connection counts, redis' PUBLISH connection too: it must be connected before it sends */
    if (++fan_joined == nconns) {
        fan_running = 1;
        fprintf(stderr, "loadgen: all %d receivers joined\n", fan_receivers);
    }
}

static conn *observer_of(int participant)
{
    return &conns[opt_receivers + participant];
}


/* Receiver idx's username (at most 10 characters). It carries this process's tag: the warm-up run's receivers may
   not all have left when the measured run joins, and a name still in use would be refused. */
static void receiver_name(char *buf, size_t size, int idx) {
    static char tag[3];
    if (!tag[0]) {
        const char *d = "abcdefghijklmnopqrstuvwxyz0123456789";
        unsigned t = (unsigned)getpid();
        tag[0] = d[t % 26];
        tag[1] = d[(t / 26) % 36];
    }
    snprintf(buf, size, "u%s%d", tag, idx);
}

static void chat_frame(conn *c, const uint8_t *f, size_t n, uint64_t t)
{
    if (c->joined) {
        if (n > 0 && f[0] == '>') {
            /* "> name: text": the first ": " (names have no colon); memchr, not memmem, per delivery */
            const uint8_t *colon = f, *end = f + n;
            while ((colon = memchr(colon, ':', (size_t)(end - colon))) != NULL && colon + 1 < end && colon[1] != ' ') colon++;
            if (colon && colon + 1 < end) fan_delivery(colon + 2, (size_t)(end - colon - 2), t);
        }
        return;
    }
#define IS(s) (n == strlen(s) && memcmp(f, s, n) == 0)
    if (IS("full")) die("%s", "chat: the server said full (raise --max-participants / --max-observers)");
    if (c->role == R_RECEIVER) {
        char name[16];
        receiver_name(name, sizeof name, c->idx);
        if (IS("accept")) { greeted(c); send_frame(c, name); }
        else if (IS("username-accepted")) { }
        else if (n > 13 && memcmp(f, "pairing-code ", 13) == 0) {
            memcpy(c->code, f + 13, n - 13 < 15 ? n - 13 : 15);
            c->joined = 1;
            joined_one();
            if (c->idx < opt_observers) {
                conn *o = observer_of(c->idx);
                if (o->state == S_OPEN) { char req[40]; snprintf(req, sizeof req, "%s %s", name, c->code); send_frame(o, req); }
            }
        } else if (n > 9 && memcmp(f, "username-", 9) == 0) die("chat: username refused: %s", "see the server's log");
    } else {
        int p = c->idx - opt_receivers;
        if (IS("accept")) {
            greeted(c);
            c->state = S_OPEN;
            conn *pc = &conns[p];
            if (pc->joined) { char name[16], req[40]; receiver_name(name, sizeof name, p); snprintf(req, sizeof req, "%s %s", name, pc->code); send_frame(c, req); }
        } else if (IS("observer-accepted")) { c->joined = 1; joined_one(); }
        else if (n > 9 && memcmp(f, "observer-", 9) == 0) die("%s", "chat: pairing refused");
    }
#undef IS
}

/* One RESP value at b[0..len): returns its length, 0 if incomplete. */
static size_t resp_skip(const uint8_t *b, size_t len, const uint8_t **bulk, size_t *bulk_len)
{
    const uint8_t *e = memchr(b, '\n', len);
    if (!e) return 0;
    size_t line = (size_t)(e - b) + 1;
    if (b[0] == '$') {
        long l = b[1] == '-' ? -1 : (long)parse_u64(b + 1, line - 1);
        if (l < 0) return line;
        if (len < line + (size_t)l + 2) return 0;
        if (bulk) { *bulk = b + line; *bulk_len = (size_t)l; }
        return line + (size_t)l + 2;
    }
    if (b[0] == '*') {
        long k = b[1] == '-' ? -1 : (long)parse_u64(b + 1, line - 1);
        size_t pos = line;
        for (long i = 0; i < k; i++) {
            size_t s = resp_skip(b + pos, len - pos, bulk, bulk_len);
            if (!s) return 0;
            pos += s;
        }
        return pos;
    }
    return line;
}

static void on_fanout(conn *c, uint32_t events)
{
    if (c->state == S_CONNECTING) {
        int err = connect_error(c->fd);
        if (err) die("connect: %s", strerror(err));
        c->state = c->role == R_OBSERVER ? S_READING : S_OPEN;
        set_events(c, EPOLLIN);
        if (mode == M_REDIS_FAN && c->role == R_RECEIVER) {
            wput(c, "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n", 27);
            if (flush(c) < 0) die("send: %s", strerror(errno));
        }
        if (mode == M_REDIS_FAN && c->role == R_PUBLISHER) { greeted(c); joined_one(); }
        return;
    }
    if (events & EPOLLOUT) { if (flush(c) < 0) die("send: %s", strerror(errno)); }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    int r = fill(c);
    uint64_t t = now_ns();
    size_t pos = 0;
    if (mode == M_CHAT) {
        while (c->rlen - pos >= 4) {
            uint32_t l = ntohl(*(uint32_t *)(c->rbuf + pos));
            if (c->rlen - pos < 4 + (size_t)l) break;
            chat_frame(c, c->rbuf + pos + 4, l, t);
            pos += 4 + l;
        }
    } else if (c->role == R_PUBLISHER) {
        const uint8_t *e;
        while ((e = memchr(c->rbuf + pos, '\n', c->rlen - pos)) != NULL) pos = (size_t)(e - c->rbuf) + 1;
    } else {
        while (pos < c->rlen) {
            const uint8_t *bulk = NULL;
            size_t bl = 0;
            size_t s = resp_skip(c->rbuf + pos, c->rlen - pos, &bulk, &bl);
            if (!s) break;
            if (!c->joined) { c->joined = 1; greeted(c); joined_one(); }
            else if (bulk) fan_delivery(bulk, bl, t);
            pos += s;
        }
    }
    if (pos) consume(c, pos);
    if (r != 0 && !stopping) die("the server closed a fan-out connection (%s)", r < 0 ? strerror(errno) : "EOF");
    fan_flush_local();
    if (w_id == 0) fan_send_more();
}

/* ---- idle: hold many connections, read the server's VmRSS ---- */
static int idle_settled, idle_connecting;

static long rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f)) if (sscanf(line, "VmRSS: %ld", &kb) == 1) break;
    fclose(f);
    return kb;
}

static void idle_open(conn *c)
{
    int inprog;
    c->fd = open_socket(&addr, &inprog, 1);
    if (c->fd < 0) die("connect: %s", strerror(errno));
    c->state = S_CONNECTING;
    idle_connecting++;
    set_events(c, EPOLLOUT);
}

static int idle_next;

static void idle_settle(conn *c)
{
    c->state = S_DONE;
    idle_settled++;
    idle_connecting--;
    /* keep at most 256 handshakes going so a short accept backlog does not drop SYNs */
    if (idle_next < nconns) idle_open(&conns[idle_next++]);
}

static void on_idle(conn *c, uint32_t events)
{
    (void)events;
    if (c->state == S_CONNECTING) {
        int err = connect_error(c->fd);
        if (err) die("connect: %s", strerror(err));
        c->state = S_READING;
        set_events(c, EPOLLIN);
        if (!strcmp(opt_idle_proto, "none")) { idle_settle(c); return; }
        if (!strcmp(opt_idle_proto, "echo")) { uint8_t m[18] = {0, 0, 0, 14, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'P', 'O', 'N', 'G'}; wput(c, m, sizeof m); }
        else if (!strcmp(opt_idle_proto, "redis")) wput(c, "*1\r\n$4\r\nPING\r\n", 14);
        if (flush(c) < 0) die("send: %s", strerror(errno));
        return;
    }
    int r = fill(c);
    if (r != 0) die("the server closed an idle connection (%s)", r < 0 ? strerror(errno) : "EOF");
    size_t want = !strcmp(opt_idle_proto, "echo") ? 8 : !strcmp(opt_idle_proto, "redis") ? 7 : 10;
    if (c->rlen >= want) {
        c->rlen = 0;
        free(c->rbuf);
        c->rbuf = NULL;
        c->rcap = 0;
        if (c->state == S_READING) idle_settle(c);
    }
}

/* CPU seconds the server process (all its threads) has used, from /proc/PID/stat; -1 if unknown */
static double proc_cpu_seconds_one(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    unsigned long long ut = 0, st = 0;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double proc_cpu_seconds(void)
{
    double sum = 0;
    for (int i = 0; i < opt_npids; i++) {
        double c = proc_cpu_seconds_one(opt_pids[i]);
        if (c < 0) return -1;
        sum += c;
    }
    return sum;
}

/* ---- main ---- */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void resolve(const char *host, int port, struct sockaddr_in *out)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, NULL, &hints, &res) != 0) die("cannot resolve %s", host);
    *out = *(struct sockaddr_in *)res->ai_addr;
    out->sin_port = htons((uint16_t)port);
    freeaddrinfo(res);
}

/* Jiffies of the CPUs in a set, from /proc/stat: busy (anyone's work; steal counts as busy: time the
   CPU was not ours), of which irq + softirq (network work, charged to no process on kernels with
   IRQ_TIME_ACCOUNTING), and total. To tell a side starved by other processes from one that waited. */
typedef struct { unsigned long long busy, irq, total; } jiffies;

static int cpu_times(const cpu_set_t *set, jiffies *j)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    char line[512];
    j->busy = j->irq = j->total = 0;
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        int cpu;
        unsigned long long v[10] = {0};
        if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9') continue;
        if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 9) continue;
        if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, set)) continue;
        /* user nice system idle iowait irq softirq steal */
        unsigned long long all = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
        j->total += all;
        j->busy += all - v[3] - v[4];
        j->irq += v[5] + v[6];
        seen++;
    }
    fclose(f);
    return seen ? 0 : -1;
}

static cpu_set_t own_cpus, server_cpus;
static int have_server_cpus;
static double g_own_busy = -1, g_server_busy = -1, g_own_irq = -1, g_server_irq = -1;

/* share of the set's time that was busy, and irq + softirq, between two readings */
static void busy_share(const jiffies *a, const jiffies *b, double *busy, double *irq)
{
    if (b->total <= a->total) return;
    *busy = (double)(b->busy - a->busy) / (double)(b->total - a->total);
    *irq = (double)(b->irq - a->irq) / (double)(b->total - a->total);
}

/* ---- the event loop: one per thread ---- */
typedef struct worker {
    int id, lo, hi, cpu;
    pthread_t th;
    /* a finished thread's counts, merged by main */
    uint64_t *hist_us, *hist_ms, hist_n, ops, bytes_in, errors;
    char first_error[200];
} worker;

static long rss_before;
static double g_wall, g_cpu, g_srv_share = -1; /* measured by thread 0 over the measured window */

static void set_timing(uint64_t t)
{
    t_start = t;
    t_measure = t + (uint64_t)(opt_warm * 1e9);
    t_end = t_measure + (uint64_t)((mode == M_IDLE ? opt_hold : opt_dur) * 1e9);
}

/* The first requests of this thread's connections (the closed loop keeps them going from then on). */
static void kick_off(void)
{
    if (mode == M_ECHO || mode == M_REDIS_PING) {
        uint64_t t = now_ns();
        for (int i = c_lo; i < c_hi; i++) {
            for (int k = 0; k < opt_depth; k++) queue_request(&conns[i], t);
            conns[i].ev = 0;
            if (flush(&conns[i]) < 0) die("send: %s", strerror(errno));
        }
    } else if (mode == M_MB_CREATE || mode == M_MB_READ || mode == M_FILES || mode == M_HTTP) {
        for (int i = c_lo; i < c_hi; i++) start_request(&conns[i]);
    } else if (mode == M_CHAT || mode == M_REDIS_FAN) {
        if (w_id == 0) fan_send_more();
        /* receivers handed over by thread 0: into this thread's epoll (flush registers them) */
        else for (int i = c_lo; i < c_hi; i++) { conns[i].ev = 0; if (flush(&conns[i]) < 0) die("send: %s", strerror(errno)); }
    }
}

static worker *workers;
static void *worker_main(void *arg);

/* Fan-out with threads, once every receiver has joined (all of them in thread 0's epoll until then):
   each other thread's share leaves thread 0's epoll, then the thread starts and takes it. */
static void fan_hand_out(void)
{
    fan_wake_fd = eventfd(0, EFD_NONBLOCK);
    if (fan_wake_fd < 0) die("eventfd: %s", strerror(errno));
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &fan_wake_tag};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fan_wake_fd, &e) < 0) die("epoll_ctl: %s", strerror(errno));
    for (int t = 1; t < opt_threads; t++) {
        for (int i = workers[t].lo; i < workers[t].hi; i++)
            if (epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, NULL) < 0) die("epoll_ctl: %s", strerror(errno));
        if (pthread_create(&workers[t].th, NULL, worker_main, &workers[t]) != 0) die("pthread_create: %s", strerror(errno));
    }
}

static void dispatch(conn *c, uint32_t events)
{
    if ((void *)c == (void *)&fan_wake_tag) {
        uint64_t n;
        if (read(fan_wake_fd, &n, sizeof n) < 0 && errno != EAGAIN) die("eventfd: %s", strerror(errno));
        fan_send_more();
        return;
    }
    switch (mode) {
    case M_ECHO: case M_REDIS_PING: on_pipelined(c, events); break;
    case M_CHAT: case M_REDIS_FAN: on_fanout(c, events); break;
    case M_IDLE: on_idle(c, events); break;
    default: on_per_request(c, events); break;
    }
}

static void worker_run(worker *w)
{
    w_id = w->id;
    c_lo = w->lo;
    c_hi = w->hi;
    if (w->cpu >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(w->cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) < 0) die("sched_setaffinity: %s", strerror(errno));
    }
    /* t_end is set before any thread starts when there is nothing to set up (every multi-threaded mode) */
    int started = t_end != 0;
    if (started) kick_off();
    double cpu0 = 0, srv_cpu0 = -1;
    uint64_t wall0 = 0;
    jiffies own0, srv0, j1;
    int own_ok = 0, srv_ok = 0;
    struct epoll_event evs[1024];
    for (;;) {
        uint64_t t = now_ns();
        if (!started) {
            int ready = 1;
            if ((mode == M_CHAT || mode == M_REDIS_FAN) && !fan_running) ready = 0;
            if (mode == M_IDLE && idle_settled < nconns) ready = 0;
            if (!ready && (double)(t - t_start) / 1e9 > opt_setup) {
                fprintf(stderr, "loadgen: setup not finished after %.0f s (%d joined/settled of %d)\n", opt_setup, mode == M_IDLE ? idle_settled : fan_joined, nconns);
                exit(2);
            }
            if (ready) {
                started = 1;
                set_timing(t);
                if ((mode == M_CHAT || mode == M_REDIS_FAN) && opt_threads > 1) fan_hand_out();
                kick_off();
            }
        }
        if (started && !measuring && t >= t_measure) {
            measuring = 1;
            if (w->id == 0) {
                cpu0 = cpu_seconds();
                if (opt_pid) srv_cpu0 = proc_cpu_seconds();
                wall0 = t;
                fan_delivered0 = __atomic_load_n(&fan_delivered, __ATOMIC_RELAXED);
                own_ok = cpu_times(&own_cpus, &own0) == 0;
                srv_ok = have_server_cpus && cpu_times(&server_cpus, &srv0) == 0;
            }
        }
        if (started && measuring && t >= t_end) break;
        int n = epoll_wait(ep, evs, 1024, 50);
        if (n < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) dispatch(evs[i].data.ptr, evs[i].events);
        /* a request that could not even open a socket is retried here, not in a tight loop */
        if (started && (mode == M_MB_CREATE || mode == M_MB_READ || mode == M_FILES || mode == M_HTTP))
            for (int i = c_lo; i < c_hi; i++) if (conns[i].state == S_DONE && conns[i].fd < 0) start_request(&conns[i]);
    }
    if (w->id == 0) {
        /* the whole process's CPU (every thread's) over thread 0's window; the others end within a
           loop turn of it */
        g_wall = (double)(now_ns() - wall0) / 1e9;
        g_cpu = cpu_seconds() - cpu0;
        if (opt_pid && srv_cpu0 >= 0) { double s1 = proc_cpu_seconds(); if (s1 >= 0) g_srv_share = (s1 - srv_cpu0) / g_wall; }
        if (own_ok && cpu_times(&own_cpus, &j1) == 0) busy_share(&own0, &j1, &g_own_busy, &g_own_irq);
        if (srv_ok && cpu_times(&server_cpus, &j1) == 0) busy_share(&srv0, &j1, &g_server_busy, &g_server_irq);
    }
    stopping = 1;
    measuring = 0;
    /* let requests in flight finish (up to 2 s) so the server sees clean exchanges, not aborts
       (closing with unread replies would reset the connection) */
    if (mode == M_ECHO || mode == M_REDIS_PING) {
        uint64_t limit = now_ns() + 2000000000ull;
        for (;;) {
            int busy = 0;
            for (int i = c_lo; i < c_hi; i++) if (conns[i].inflight) busy = 1;
            if (!busy || now_ns() > limit) break;
            int n = epoll_wait(ep, evs, 1024, 50);
            for (int i = 0; i < n; i++) on_pipelined(evs[i].data.ptr, evs[i].events);
        }
        for (int i = c_lo; i < c_hi; i++) close(conns[i].fd);
    }
    if (mode == M_MB_CREATE || mode == M_MB_READ || mode == M_FILES || mode == M_HTTP) {
        uint64_t limit = now_ns() + 2000000000ull;
        for (;;) {
            int busy = 0;
            for (int i = c_lo; i < c_hi; i++) if (conns[i].fd >= 0) busy = 1;
            if (!busy || now_ns() > limit) break;
            int n = epoll_wait(ep, evs, 1024, 50);
            for (int i = 0; i < n; i++) on_per_request(evs[i].data.ptr, evs[i].events);
        }
    }
    w->hist_us = hist_us;
    w->hist_ms = hist_ms;
    w->hist_n = hist_n;
    w->ops = ops;
    w->bytes_in = bytes_in;
    w->errors = errors;
    memcpy(w->first_error, first_error, sizeof first_error);
}

static void *worker_main(void *arg)
{
    ep = epoll_create1(0);
    hist_us = calloc(HX, sizeof *hist_us);
    hist_ms = calloc(HY, sizeof *hist_ms);
    if (ep < 0 || !hist_us || !hist_ms) die("worker: %s", strerror(errno));
    worker_run(arg);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) die("%s", "usage: loadgen MODE HOST PORT [-c N] [-p N] [-d SEC] [-w SEC] [-s N] [-u N] [-f NAME] [-r N] [-o N] [-P PORT] [-x PROTO] [-k PID] [-H SEC] [-t N] [--inline] [--copy]");
    mode_name = argv[1];
    const char *names[] = {"echo", "redis-ping", "mailbox-create", "mailbox-read", "files", "http", "chat-fanout", "redis-fanout", "idle"};
    int found = -1;
    for (int i = 0; i < 9; i++) if (!strcmp(mode_name, names[i])) found = i;
    if (found < 0) die("unknown mode %s", mode_name);
    mode = (enum mode)found;
    int port = atoi(argv[3]), obs_port = port + 1;
    for (int i = 4; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--inline")) { opt_inline = 1; continue; }
        if (!strcmp(a, "--copy")) { opt_copy = 1; continue; }
        if (i + 1 >= argc) die("%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-c")) opt_conns = atoi(v);
        else if (!strcmp(a, "-p")) opt_depth = atoi(v);
        else if (!strcmp(a, "-d")) opt_dur = atof(v);
        else if (!strcmp(a, "-w")) opt_warm = atof(v);
        else if (!strcmp(a, "-s")) opt_size = atoi(v);
        else if (!strcmp(a, "-u")) opt_users = atoi(v);
        else if (!strcmp(a, "-f")) opt_file = v;
        else if (!strcmp(a, "-r")) opt_receivers = atoi(v);
        else if (!strcmp(a, "-o")) opt_observers = atoi(v);
        else if (!strcmp(a, "-P")) obs_port = atoi(v);
        else if (!strcmp(a, "-x")) opt_idle_proto = v;
        else if (!strcmp(a, "-k")) {
            /* a comma-separated list: a server of several processes (nginx) is all of them */
            char *list = strdup(v), *save = NULL;
            for (char *tok = strtok_r(list, ",", &save); tok && opt_npids < 64; tok = strtok_r(NULL, ",", &save)) opt_pids[opt_npids++] = atoi(tok);
            opt_pid = opt_pids[0];
        }
        else if (!strcmp(a, "-H")) opt_hold = atof(v);
        else if (!strcmp(a, "-S")) opt_setup = atof(v);
        else if (!strcmp(a, "-t")) opt_threads = atoi(v);
        else die("unknown option %s", a);
    }
    if (opt_conns < 1 || opt_depth < 1 || opt_users < 1 || opt_threads < 1) die("%s", "-c, -p, -u and -t must be at least 1");
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    resolve(argv[2], port, &addr);
    resolve(argv[2], obs_port, &obs_addr);
    ep = epoll_create1(0);
    hist_us = calloc(HX, sizeof *hist_us);
    hist_ms = calloc(HY, sizeof *hist_ms);

    if (mode == M_ECHO) {
        if (opt_size < 0) opt_size = 14; /* reply "PONG": 4 bytes, like Redis' "+PONG\r\n" is 7 */
        echo_req_len = 4 + (size_t)opt_size;
        echo_req = malloc(echo_req_len);
        *(uint32_t *)echo_req = htonl((uint32_t)opt_size);
        for (int i = 0; i < opt_size; i++) echo_req[4 + i] = i < 10 ? (uint8_t)('0' + i) : (uint8_t)('A' + (i - 10) % 26);
    } else if (mode == M_REDIS_PING) {
        echo_req = (uint8_t *)(opt_inline ? "PING\r\n" : "*1\r\n$4\r\nPING\r\n");
        echo_req_len = strlen((char *)echo_req);
    }
    if (opt_size < 0) opt_size = 16;
    if (mode == M_MB_CREATE || mode == M_MB_READ || mode == M_FILES || mode == M_HTTP) read_events = EPOLLIN | EPOLLRDHUP;
    if ((mode == M_MB_CREATE) && (opt_size < 1 || opt_size > 1000)) die("%s", "mailbox: -s must be 1-1000");

    if (mode == M_CHAT || mode == M_REDIS_FAN) {
        fan_receivers = opt_receivers + (mode == M_CHAT ? opt_observers : 0);
        if (mode == M_CHAT && opt_observers > opt_receivers) die("%s", "chat: -o cannot exceed -r");
        if (opt_size < 0 || opt_size > 900) opt_size = 16;
        memset(fan_pad, 'x', (size_t)opt_size);
        nconns = fan_receivers + (mode == M_REDIS_FAN ? 1 : 0);
    } else if (mode == M_IDLE) nconns = opt_conns;
    else nconns = opt_conns;
    conns = calloc((size_t)nconns, sizeof *conns);
    for (int i = 0; i < nconns; i++) { conns[i].idx = i; conns[i].fd = -1; }

    if (mode == M_IDLE) {
        if (opt_pid) rss_before = rss_kib(opt_pid);
        idle_next = nconns < 256 ? nconns : 256;
        for (int i = 0; i < idle_next; i++) idle_open(&conns[i]);
    } else if (mode == M_ECHO || mode == M_REDIS_PING) {
        for (int i = 0; i < nconns; i++) {
            conn *c = &conns[i];
            c->fd = socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect: %s", strerror(errno));
            fcntl(c->fd, F_SETFL, O_NONBLOCK);
            c->ts = calloc((size_t)opt_depth, sizeof(uint64_t));
        }
    } else if (mode == M_CHAT || mode == M_REDIS_FAN) {
        for (int i = 0; i < nconns; i++) conns[i].role = i < opt_receivers ? R_RECEIVER : (mode == M_CHAT ? R_OBSERVER : R_PUBLISHER);
        fan_open_more();
        fan_sender = mode == M_CHAT ? &conns[0] : &conns[nconns - 1];
    }

    /* threads: not for one connection (files, http) or idle's setup; never more threads than
       connections (fan-out: than receivers besides the sender) */
    int fan = mode == M_CHAT || mode == M_REDIS_FAN;
    if (!(mode == M_ECHO || mode == M_REDIS_PING || mode == M_MB_CREATE || mode == M_MB_READ || fan)) opt_threads = 1;
    int first = fan && mode == M_CHAT ? 1 : 0, count = fan ? nconns - 1 : nconns; /* fan-out: all but the sender */
    if (opt_threads > count) opt_threads = count > 0 ? count : 1;
    int allowed[CPU_SETSIZE], nallowed = 0;
    if (sched_getaffinity(0, sizeof own_cpus, &own_cpus) == 0)
        for (int i = 0; i < CPU_SETSIZE; i++) if (CPU_ISSET(i, &own_cpus)) allowed[nallowed++] = i;
    have_server_cpus = opt_pid && sched_getaffinity(opt_pid, sizeof server_cpus, &server_cpus) == 0;
    worker *ws = workers = calloc((size_t)opt_threads, sizeof *ws);
    for (int i = 0; i < opt_threads; i++) {
        ws[i].id = i;
        ws[i].lo = first + (int)((long)count * i / opt_threads);
        ws[i].hi = first + (int)((long)count * (i + 1) / opt_threads);
        /* one thread per CPU when there are enough: no two loops fight for one core */
        ws[i].cpu = opt_threads > 1 && nallowed >= opt_threads ? allowed[i] : -1;
    }
    t_start = now_ns();
    if (mode == M_ECHO || mode == M_REDIS_PING || mode == M_MB_CREATE || mode == M_MB_READ || mode == M_FILES || mode == M_HTTP)
        set_timing(t_start); /* nothing to set up: every thread measures the same window */
    if (!fan) /* fan-out's threads start once every receiver has joined (fan_hand_out) */
        for (int i = 1; i < opt_threads; i++)
            if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) die("pthread_create: %s", strerror(errno));
    worker_run(&ws[0]);
    for (int i = 1; i < opt_threads; i++) pthread_join(ws[i].th, NULL);
    /* merge every thread's counts into this (thread 0's) histogram and counters */
    for (int i = 1; i < opt_threads; i++) {
        for (int k = 0; k < HX; k++) hist_us[k] += ws[i].hist_us[k];
        for (int k = 0; k < HY; k++) hist_ms[k] += ws[i].hist_ms[k];
        hist_n += ws[i].hist_n;
        ops += ws[i].ops;
        bytes_in += ws[i].bytes_in;
        errors += ws[i].errors;
        if (!first_error[0] && ws[i].first_error[0]) memcpy(first_error, ws[i].first_error, sizeof first_error);
    }
    double wall = g_wall, cpu = g_cpu;
    if (mode == M_IDLE) {
        long rss_after = opt_pid ? rss_kib(opt_pid) : -1;
        printf("mode=idle proto=%s conns=%d server_pid=%d rss_before_kib=%ld rss_after_kib=%ld per_conn_bytes=%.0f cpu_share=%.3f threads=1 cpus=%d errors=0\n",
               opt_idle_proto, nconns, opt_pid, rss_before, rss_after,
               opt_pid ? (double)(rss_after - rss_before) * 1024.0 / nconns : 0.0, cpu / wall, nallowed);
        fflush(stdout);
        /* reset rather than close: thousands of FIN-closes would leave as many local ports in
           TIME_WAIT, and the next server of the run could not bind one of them */
        struct linger lg = {1, 0};
        for (int i = 0; i < nconns; i++) if (conns[i].fd >= 0) { setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg); close(conns[i].fd); }
        return 0;
    }
    if (mode == M_CHAT || mode == M_REDIS_FAN) ops = __atomic_load_n(&fan_delivered, __ATOMIC_RELAXED) - fan_delivered0;
    printf("mode=%s conns=%d depth=%d receivers=%d secs=%.3f ops=%llu ops_s=%.0f p50_us=%.0f p99_us=%.0f bytes_s=%.0f cpu_s=%.3f cpu_share=%.3f server_cpu_share=%.3f threads=%d cpus=%d loadgen_cpus_busy=%.3f loadgen_cpus_irq=%.3f server_cpus_busy=%.3f server_cpus_irq=%.3f errors=%llu",
           mode_name, (mode == M_CHAT || mode == M_REDIS_FAN) ? nconns : opt_conns, opt_depth, fan_receivers, wall,
           (unsigned long long)ops, (double)ops / wall, percentile(0.50), percentile(0.99), (double)bytes_in / wall, cpu, cpu / wall, g_srv_share,
           opt_threads, nallowed, g_own_busy, g_own_irq, g_server_busy, g_server_irq, (unsigned long long)errors);
    if (errors) printf(" first_error=\"%s\"", first_error);
    printf("\n");
    return 0;
}
