/* nullserver: the least a server can do for each benchmark, in C, single-threaded, epoll.
 * It is the loopback floor for the pairs and the proof that loadgen is not the bottleneck.
 *
 * usage: nullserver MODE PORT [FILE]     (PORT 0 picks one; the bound port is printed first)
 *   echo      length-prefixed echo: each frame answered with its payload minus its first 10 bytes
 *             (the handout's reply for ASCII text), all replies of one read in one write
 *   mailbox   accept, read once, close; a read request (ID 1) first gets an empty MessageResponse
 *   sendfile  accept, read the request, send an 8-byte FileResponse header for FILE, sendfile FILE
 *             in full (blocking), close: the ceiling for files
 *   fanout    a minimal chat room: every participant is named at once, every frame it sends goes
 *             to every connection as a public line (no checks, no limits)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct cl {
    int fd, named;
    uint8_t *buf;
    size_t len, cap;
} cl;

static int ep, lfd;
static cl **clients;
static int nclients, cap_clients;

static void die(const char *what)
{
    fprintf(stderr, "nullserver: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void add(int fd, void *ptr)
{
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = ptr};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) die("epoll_ctl");
}

static void send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN) {
                /* a slow reader: wait for it rather than drop bytes (a null server, not a fair one) */
                fd_set ws;
                FD_ZERO(&ws);
                if (fd < FD_SETSIZE) { FD_SET(fd, &ws); select(fd + 1, NULL, &ws, NULL, NULL); }
                continue;
            }
            return;
        }
        b += w;
        n -= (size_t)w;
    }
}

static void drop(cl *c)
{
    close(c->fd);
    for (int i = 0; i < nclients; i++) if (clients[i] == c) { clients[i] = clients[--nclients]; break; }
    free(c->buf);
    free(c);
}

static void mailbox_conn(int fd)
{
    uint8_t b[2048];
    ssize_t n = recv(fd, b, sizeof b, 0);
    if (n >= 3 && b[2] == 1) {
        static const uint8_t empty[5] = {0xAE, 0x73, 3, 0, 0};
        send(fd, empty, 5, MSG_NOSIGNAL);
    }
    close(fd);
}

static void frame_in(cl *c, const char *mode, uint8_t *out, size_t *olen, const uint8_t *f, size_t n)
{
    if (!strcmp(mode, "echo")) {
        size_t r = n > 10 ? n - 10 : 0;
        *(uint32_t *)(out + *olen) = htonl((uint32_t)r);
        memcpy(out + *olen + 4, f + (n - r), r);
        *olen += 4 + r;
        return;
    }
    /* fanout */
    if (!c->named) {
        c->named = 1;
        static const char *hello[] = {"username-accepted", "pairing-code AAAAAA"};
        for (int i = 0; i < 2; i++) {
            uint32_t l = htonl((uint32_t)strlen(hello[i]));
            send_all(c->fd, &l, 4);
            send_all(c->fd, hello[i], strlen(hello[i]));
        }
        return;
    }
    /* the lines of one read go out together, one send per receiver (broadcast by the caller) */
    size_t ll = (size_t)snprintf((char *)out + *olen + 4, 1100, ">          x: %.*s", (int)(n > 1000 ? 1000 : n), f);
    *(uint32_t *)(out + *olen) = htonl((uint32_t)ll);
    *olen += 4 + ll;
}

/* echo replies go back to the sender; fan-out lines go to every named connection */
static void emit(cl *c, const char *mode, const uint8_t *out, size_t olen)
{
    if (strcmp(mode, "fanout")) { send_all(c->fd, out, olen); return; }
    for (int k = 0; k < nclients; k++) if (clients[k]->named) send_all(clients[k]->fd, out, olen);
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: nullserver echo|mailbox|sendfile|fanout PORT [FILE]\n"); return 2; }
    const char *mode = argv[1];
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(lfd, 4096) < 0) die("listen");
    socklen_t al = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &al);
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);

    if (!strcmp(mode, "sendfile")) {
        if (argc < 4) { fprintf(stderr, "sendfile needs FILE\n"); return 2; }
        int file = open(argv[3], O_RDONLY);
        if (file < 0) die(argv[3]);
        struct stat st;
        fstat(file, &st);
        for (;;) {
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0) continue;
            uint8_t req[2048];
            if (recv(fd, req, sizeof req, 0) <= 0) { close(fd); continue; }
            uint8_t hdr[8] = {0x49, 0x7E, 2, 1};
            *(uint32_t *)(hdr + 4) = htonl((uint32_t)st.st_size);
            send_all(fd, hdr, 8);
            off_t off = 0;
            while (off < st.st_size) if (sendfile(fd, file, &off, (size_t)(st.st_size - off)) <= 0) break;
            close(fd);
        }
    }

    fcntl(lfd, F_SETFL, O_NONBLOCK);
    ep = epoll_create1(0);
    add(lfd, NULL);
    struct epoll_event evs[512];
    static uint8_t out[1 << 20];
    for (;;) {
        int n = epoll_wait(ep, evs, 512, -1);
        for (int i = 0; i < n; i++) {
            cl *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (!strcmp(mode, "mailbox")) {
                        /* the request is usually in already: serve it without an epoll round */
                        uint8_t peek;
                        if (recv(fd, &peek, 1, MSG_PEEK) == 1) { mailbox_conn(fd); continue; }
                    }
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    c->fd = fd;
                    if (nclients == cap_clients) { cap_clients = cap_clients ? cap_clients * 2 : 1024; clients = realloc(clients, (size_t)cap_clients * sizeof *clients); }
                    clients[nclients++] = c;
                    add(fd, c);
                    if (!strcmp(mode, "fanout")) send_all(fd, "\0\0\0\6accept", 10);
                }
                continue;
            }
            if (!strcmp(mode, "mailbox")) {
                int fd = c->fd;
                c->fd = -1;
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                mailbox_conn(fd);
                c->fd = fd;
                for (int k = 0; k < nclients; k++) if (clients[k] == c) { clients[k] = clients[--nclients]; break; }
                free(c);
                continue;
            }
            if (c->cap - c->len < 65536) { c->cap = c->cap ? c->cap * 2 : 131072; c->buf = realloc(c->buf, c->cap); }
            ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
            if (r <= 0) { if (r < 0 && errno == EAGAIN) continue; drop(c); continue; }
            c->len += (size_t)r;
            size_t pos = 0, olen = 0;
            while (c->len - pos >= 4) {
                uint32_t l = ntohl(*(uint32_t *)(c->buf + pos));
                if (c->len - pos < 4 + (size_t)l) break;
                if (olen + 1200 + l > sizeof out) { emit(c, mode, out, olen); olen = 0; }
                frame_in(c, mode, out, &olen, c->buf + pos + 4, l);
                pos += 4 + l;
            }
            memmove(c->buf, c->buf + pos, c->len - pos);
            c->len -= pos;
            if (olen) emit(c, mode, out, olen);
        }
    }
}
