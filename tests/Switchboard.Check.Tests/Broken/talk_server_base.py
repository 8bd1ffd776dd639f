# A talk server written to handout 003: for each caller, print the caller's line, then send the line typed on
# stdin, in lock-step; EXIT typed hangs up on the caller, end of stdin stops the server. Lines are sent with
# "\n"; a caller's message ends at "\n" or, from a handout-style caller that sends none, when its bytes stop.
# Correct unless one of the flags below turns on a bug a student's server typically has.
# Usage: python3 SCRIPT PORT
import socket, sys

QUIET = 0.3  # a message without "\n" is complete when no byte came for this long

def read_message(conn, pending):
    """One message: up to "\n", or what arrived before the peer went quiet; None when it closed first."""
    conn.settimeout(None)
    while b"\n" not in pending:
        try:
            data = conn.recv(4096)
        except socket.timeout:
            break
        if not data:
            if pending:
                return pending, b""
            return None, b""
        pending += data
        conn.settimeout(QUIET)
    conn.settimeout(None)
    if b"\n" in pending:
        line, rest = pending.split(b"\n", 1)
        return line, rest
    return pending, b""

def serve(single_recv=False, speaks_first=False, one_caller=False):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(5)
    while True:
        conn, addr = srv.accept()
        print("talk: connection from", addr, file=sys.stderr)
        pending = b""
        try:
            if speaks_first:
                conn.sendall(sys.stdin.readline().rstrip("\n").encode() + b"\n")  # bug: speaks before the caller
            while True:
                if single_recv:
                    data = conn.recv(1024)  # bug: one recv assumed to hold the whole line
                    if not data:
                        break
                    line = data.rstrip(b"\n")
                else:
                    line, pending = read_message(conn, pending)
                    if line is None:
                        break
                print(line.decode("utf-8", "replace"), flush=True)
                typed = sys.stdin.readline()
                if typed == "":
                    conn.close()
                    return
                typed = typed.rstrip("\n")
                if typed == "EXIT":
                    break
                conn.sendall(typed.encode("utf-8") + b"\n")
        except OSError as e:
            print("error: network error:", e, file=sys.stderr)
        finally:
            conn.close()
        print("talk: the caller hung up", file=sys.stderr)
        if one_caller:
            return  # bug: never goes back to waiting for the next caller

if __name__ == "__main__":
    serve()
