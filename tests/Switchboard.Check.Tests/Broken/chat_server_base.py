# A LogosNet server written to handout 002 with select(), correct unless one of the flags below turns on a bug a
# student's server typically has. Each chat_server_*.py sets one flag. Its control codes and line padding are
# deliberately NOT Switchboard's (the handout leaves codes to each implementation), so the checker is seen to
# judge only what the handout fixes.
# Usage: python3 SCRIPT PORT [USERNAME_TIMEOUT_SECONDS]
import select, socket, sys, time
from struct import pack, unpack

MAX_MESSAGE = 1000

def serve(private_to_all=False, no_length_limit=False, single_recv=False):
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(64)
    buffers, names, deadlines = {}, {}, {}

    def send(conn, text):
        data = text.encode("utf-8")
        try:
            conn.sendall(pack("!I", len(data)) + data)
        except OSError:
            pass

    def everyone():
        return [c for c, n in names.items() if n is not None]

    def drop(conn):
        name = names.pop(conn, None)
        buffers.pop(conn, None)
        deadlines.pop(conn, None)
        conn.close()
        if name is not None:
            for other in everyone():
                send(other, "User %s has left" % name)

    def handle(conn, text):
        name = names[conn]
        if name is None:
            if len(text) == 0 or len(text) > 10 or any(ch.isspace() for ch in text):
                send(conn, "NAME?")
                deadlines[conn] = time.monotonic() + timeout
            elif text in names.values():
                send(conn, "TAKEN")
                deadlines[conn] = time.monotonic() + timeout
            else:
                names[conn] = text
                deadlines.pop(conn, None)
                send(conn, "WELCOME")
                for other in everyone():
                    send(other, "User %s has joined" % text)
            return
        if len(text) > MAX_MESSAGE and not no_length_limit:
            send(conn, "TOO LONG")
            return
        if text.startswith("@") and " " in text:
            to = text[1:].split(" ", 1)[0]
            targets = everyone() if private_to_all else [c for c in everyone() if names[c] in (to, name)]
            for other in targets:
                send(other, "(private) %s: %s" % (name, text))
            return
        line = "> " + name.ljust(10) + ": " + text  # padding after the name: not Switchboard's, still 14 characters
        for other in everyone():
            send(other, line)

    while True:
        now = time.monotonic()
        for conn, deadline in list(deadlines.items()):
            if deadline <= now:
                send(conn, "BYE")
                drop(conn)
        ready, _, _ = select.select([srv] + list(names), [], [], 0.1)
        for conn in ready:
            if conn is srv:
                c, _ = srv.accept()
                if len(names) >= 255:
                    send(c, "FULL")
                    c.close()
                    continue
                names[c], buffers[c], deadlines[c] = None, b"", time.monotonic() + timeout
                send(c, "HELLO")
                continue
            try:
                chunk = conn.recv(2 if not single_recv else 4096)
            except OSError:
                chunk = b""
            if not chunk:
                drop(conn)
                continue
            buffers[conn] += chunk
            while True:
                buf = buffers.get(conn)
                if buf is None or len(buf) < 4:
                    break
                length = unpack("!I", buf[:4])[0]
                if length > 4 * MAX_MESSAGE:
                    drop(conn)
                    break
                if single_recv:
                    # bug: the frame is assumed to have arrived whole with its header
                    text, buffers[conn] = buf[4:4 + length], b""
                elif len(buf) < 4 + length:
                    break
                else:
                    text, buffers[conn] = buf[4:4 + length], buf[4 + length:]
                try:
                    handle(conn, text.decode("utf-8"))
                except UnicodeDecodeError:
                    drop(conn)
                    break

if __name__ == "__main__":
    serve()
