"""A mailbox server written the way handout 000 describes it: one connection at a time, in memory,
a one-second socket timeout. It is the reference peer for interop tests and for bench/ comparisons.

usage: python3 handout_mailbox_server.py PORT   (0 picks a free port; the bound port is printed first)
"""
import socket
import struct
import sys


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("short read")
        data += chunk
    return data


def serve(port):
    store = {}
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(512)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        conn.settimeout(1)
        try:
            magic, rid, nlen, rlen, mlen = struct.unpack("!HBBBH", recv_exact(conn, 7))
            if magic != 0xAE73 or rid not in (1, 2) or nlen < 1:
                continue
            if rid == 1 and (rlen or mlen) or rid == 2 and (not rlen or not mlen):
                continue
            body = recv_exact(conn, nlen + rlen + mlen)
            name = body[:nlen].decode("utf-8")
            if rid == 2:
                receiver = body[nlen:nlen + rlen].decode("utf-8")
                store.setdefault(receiver, []).append((name, body[nlen + rlen:]))
                continue
            waiting = store.get(name, [])
            batch, rest = waiting[:255], waiting[255:]
            out = bytearray(struct.pack("!HBBB", 0xAE73, 3, len(batch), 1 if rest else 0))
            for sender, text in batch:
                s = sender.encode("utf-8")
                out += struct.pack("!BH", len(s), len(text)) + s + text
            conn.sendall(out)
            store[name] = rest
        except (OSError, ConnectionError, UnicodeDecodeError, struct.error):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
