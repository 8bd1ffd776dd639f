# A talk client written to handout 003: send each line typed on stdin, then wait for and print the server's
# line, in lock-step, until EXIT (or end of stdin), the server closing, or a network error (diagnostic).
# Lines are sent with "\n"; an answer ends at "\n" or, from a handout-style server, when its bytes stop. Correct unless one of the flags below turns on a bug a student's client typically has.
# Usage: python3 SCRIPT HOST PORT
import socket, sys, threading

def talk(no_lock_step=False, ignores_close=False, crash_on_error=False, single_recv=False):
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    except OSError as e:
        print("error: cannot connect:", e, file=sys.stderr)
        sys.exit(1)
    pending = b""
    def receive():
        nonlocal pending
        if single_recv:
            data = s.recv(1024)  # bug: one recv assumed to hold the whole line
            return data.rstrip(b"\n") if data else None
        s.settimeout(None)
        while b"\n" not in pending:
            try:
                data = s.recv(4096)
            except socket.timeout:
                break  # a handout-style server sends no "\n": its message ends when its bytes stop
            if not data:
                if pending:
                    break
                return None
            pending += data
            s.settimeout(0.3)
        s.settimeout(None)
        if b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
        else:
            line, pending = pending, b""
        return line
    def run():
        if no_lock_step:
            # bug: each typed line is sent at once; answers are printed by a thread whenever they come
            answered = threading.Semaphore(0)
            def printer():
                while True:
                    try:
                        line = receive()
                    except OSError:
                        return  # the main thread closed the socket on its way out: not this client's intended bug
                    if line is None:
                        return
                    print(line.decode("utf-8", "replace"), flush=True)
                    answered.release()
            threading.Thread(target=printer, daemon=True).start()
            sent = 0
            while True:
                typed = sys.stdin.readline()
                if typed == "" or typed.rstrip("\n") == "EXIT":
                    for _ in range(sent):
                        answered.acquire(timeout=2)
                    return
                s.sendall(typed.rstrip("\n").encode("utf-8") + b"\n")
                sent += 1
        while True:
            typed = sys.stdin.readline()
            if typed == "" or typed.rstrip("\n") == "EXIT":
                return
            s.sendall(typed.rstrip("\n").encode("utf-8") + b"\n")
            line = receive()
            if line is None:
                if ignores_close:
                    continue  # bug: does not notice that the server hung up
                return
            print(line.decode("utf-8", "replace"), flush=True)
    if crash_on_error:
        run()  # bug: no handling of network errors (a traceback)
    else:
        try:
            run()
        except OSError as e:
            print("error: network error:", e, file=sys.stderr)
            sys.exit(1)
    s.close()

if __name__ == "__main__":
    talk()
