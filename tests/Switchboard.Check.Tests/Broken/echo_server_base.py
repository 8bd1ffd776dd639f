# An echo server written to handout 001 (one client at a time, as the handout's start() loop), correct unless
# one of the flags below turns on a bug a student's server typically has. Each broken_*.py sets one flag.
# Usage: python3 SCRIPT PORT
import socket, sys
from struct import pack, unpack

BUFFER_SIZE = 1024

def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(min(BUFFER_SIZE, n - len(data)))
        if not chunk:
            return None
        data += chunk
    return data

def serve(slice_bytes=False, single_recv=False, crash_on_reset=False, empty_is_close=False):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(5)
    while True:
        conn, addr = srv.accept()
        try:
            while True:
                header = recv_exactly(conn, 4)
                if header is None:
                    break
                length = unpack("!I", header)[0]
                if single_recv:
                    payload = conn.recv(BUFFER_SIZE)  # bug: one recv assumed to hold the whole message
                elif empty_is_close and length == 0:
                    break  # bug: an empty payload is taken for a closed connection
                else:
                    payload = recv_exactly(conn, length)
                    if payload is None:
                        break
                if slice_bytes:
                    reply = payload[10:]  # bug: bytes, not characters (and may split a character)
                else:
                    reply = payload.decode("utf-8")[10:].encode("utf-8")
                conn.sendall(pack("!I", len(reply)) + reply)
        except ConnectionResetError:
            if crash_on_reset:
                raise  # bug: a client resetting the connection kills the server
            print("error: connection reset by the client", file=sys.stderr)
        except (OSError, UnicodeDecodeError) as e:
            print("error:", e, file=sys.stderr)
        finally:
            conn.close()

if __name__ == "__main__":
    serve()
