# A files server written to handout 004 (one client at a time, as the handout's loop), correct unless one
# of the flags below turns on a bug a student's server typically has. Each broken_*.py sets one flag.
# Usage: python3 SCRIPT PORT   (serves the current folder)
import socket, sys

def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data

def serve(ignore_magic=False, truncate_at=None, single_recv_header=False):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(5)
    while True:
        conn, addr = srv.accept()
        conn.settimeout(1)
        if single_recv_header:
            # Bug: one recv(5) assumed to return the whole header; nothing catches the IndexError.
            try:
                header = conn.recv(5)
            except socket.timeout:
                conn.close()
                continue
            magic, kind, length = (header[0] << 8) | header[1], header[2], (header[3] << 8) | header[4]
        try:
            if not single_recv_header:
                header = recv_exactly(conn, 5)
                if header is None:
                    print("error: closed mid-request", file=sys.stderr)
                    continue
                magic, kind, length = (header[0] << 8) | header[1], header[2], (header[3] << 8) | header[4]
            if ignore_magic:
                ok = magic == 0x497E or kind == 1 or 1 <= length <= 1024  # the handout's own bug: `or`
            else:
                ok = magic == 0x497E and kind == 1 and 1 <= length <= 1024
            if not ok:
                print("error: the received FileRequest is erroneous", file=sys.stderr)
                continue
            name = recv_exactly(conn, length)
            if name is None:
                print("error: closed mid-request", file=sys.stderr)
                continue
            try:
                with open(name.decode("utf-8"), "rb") as f:
                    data = f.read()
                status, size = 1, len(data)
            except (OSError, UnicodeDecodeError):
                status, size, data = 0, 0, b""
            if truncate_at is not None:
                data = data[:truncate_at]  # Bug: one read/send where a loop was needed.
            conn.sendall(bytes([0x49, 0x7E, 2, status]) + size.to_bytes(4, "big") + data)
        except OSError as e:
            print("error:", e, file=sys.stderr)
        finally:
            conn.close()

if __name__ == "__main__":
    serve()
