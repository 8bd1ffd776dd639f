"""A handout-000 mailbox server with one deliberate flaw, for testing that `switchboard check` catches it.

usage: python3 mailbox_server.py FLAW PORT   (PORT 0 picks a free port; the bound port is printed first)

FLAW is `none` (a correct server, which must pass every case) or one of the flaws below, each a mistake
real student servers make.
"""
import socket
import struct
import sys

FLAW = sys.argv[1]
FLAWS = {
    "none",
    "crash-on-short-header",  # unpacks whatever one recv returned: struct.error kills the server
    "truncate-at-4k",         # reads the request with a single recv(4096)
    "ignore-magic",           # never looks at MagicNo
    "no-more-msgs",           # sends every message at once' worth (up to 255) but always MoreMsgs = 0
    "no-timeout",             # no socket timeout: a silent or stalled client holds the server
    "no-delete",              # never removes messages once read
    "lifo",                   # newest message first
    "accept-extra-bytes",     # does not notice bytes beyond the announced body
}
assert FLAW in FLAWS, FLAW


class Reject(Exception):
    pass


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise Reject("short read")
        data += chunk
    return data


def read_request(conn):
    if FLAW == "truncate-at-4k":
        data = conn.recv(4096)
        magic, rid, nlen, rlen, mlen = struct.unpack("!HBBBH", data[:7])
        body = data[7:7 + nlen + rlen + mlen]
        return magic, rid, nlen, rlen, mlen, body
    if FLAW == "crash-on-short-header":
        header = conn.recv(7)
        magic, rid, nlen, rlen, mlen = struct.unpack("!HBBBH", header)  # struct.error on fewer than 7 bytes
    else:
        magic, rid, nlen, rlen, mlen = struct.unpack("!HBBBH", recv_exact(conn, 7))
    if magic != 0xAE73 and FLAW != "ignore-magic":
        raise Reject("bad magic")
    if rid not in (1, 2) or nlen < 1:
        raise Reject("bad id or name length")
    if rid == 1 and (rlen or mlen) or rid == 2 and (not rlen or not mlen):
        raise Reject("bad lengths")
    body = recv_exact(conn, nlen + rlen + mlen)
    if FLAW != "accept-extra-bytes":
        conn.setblocking(False)
        try:
            extra = conn.recv(1)
        except BlockingIOError:
            extra = b""
        conn.settimeout(None if FLAW == "no-timeout" else 1)
        if extra:
            raise Reject("bytes after the record")
    return magic, rid, nlen, rlen, mlen, body


def serve(port):
    store = {}
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        if FLAW != "no-timeout":
            conn.settimeout(1)
        try:
            if FLAW == "crash-on-short-header":
                request = read_request(conn)  # outside the handler on purpose
            try:
                if FLAW != "crash-on-short-header":
                    request = read_request(conn)
                magic, rid, nlen, rlen, mlen, body = request
                name = body[:nlen].decode("utf-8")
                if rid == 2:
                    receiver = body[nlen:nlen + rlen].decode("utf-8")
                    store.setdefault(receiver, []).append((name.encode("utf-8"), body[nlen + rlen:]))
                    continue
                waiting = store.get(name, [])
                if FLAW == "lifo":
                    waiting = waiting[::-1]
                batch, rest = waiting[:255], waiting[255:]
                more = 1 if rest and FLAW != "no-more-msgs" else 0
                out = bytearray(struct.pack("!HBBB", 0xAE73, 3, len(batch), more))
                for sender, text in batch:
                    out += struct.pack("!BH", len(sender), len(text)) + sender + text
                conn.sendall(out)
                if FLAW != "no-delete":
                    store[name] = rest[::-1] if FLAW == "lifo" else rest
            except (Reject, OSError, UnicodeDecodeError, struct.error) as e:
                print("rejected:", e, file=sys.stderr, flush=True)
        finally:
            conn.close()


serve(int(sys.argv[2]))
