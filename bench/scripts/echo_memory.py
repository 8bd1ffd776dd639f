#!/usr/bin/env python3
"""RSS of an echo server holding N stalled maximum-size (16 MiB) frames, and after they close (issue 10 item 6).

usage: echo_memory.py PATH/TO/switchboard.dll [--frames 20] [--extra 'server options']

Starts `dotnet switchboard.dll echo server` on a free loopback port with long timeouts (so the frames stay
stalled rather than being cut by the gap rule), opens N connections that each announce a 16 MiB payload
and send all of it but the last byte, then reads the server's VmRSS: at rest, while the frames are held,
and 2 s and 10 s after the clients have closed.
"""
import socket, struct, subprocess, sys, threading, time

def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

def main():
    dll = sys.argv[1]
    frames = int(sys.argv[sys.argv.index("--frames") + 1]) if "--frames" in sys.argv else 20
    extra = sys.argv[sys.argv.index("--extra") + 1].split() if "--extra" in sys.argv else []
    probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
    server = subprocess.Popen(["dotnet", dll, "echo", "server", "--port", str(port), "--bind", "127.0.0.1", "--quiet",
                               "--gap-timeout", "120", *extra], stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close(); break
        except OSError:
            time.sleep(0.05)
    # Warm up: one ordinary message, so the baseline includes a served connection.
    c = socket.create_connection(("127.0.0.1", port)); c.sendall(struct.pack("!I", 12) + b"hello world!"); c.recv(64); c.close()
    time.sleep(1)
    print(f"at rest: {rss_mib(server.pid):.0f} MiB")

    size = 16 * 1024 * 1024
    payload = b"x" * (size - 1)
    socks, refused = [], [0]
    def stall():
        s = socket.create_connection(("127.0.0.1", port)); socks.append(s)
        try:
            s.sendall(struct.pack("!I", size) + payload)
        except OSError:
            refused[0] += 1
    threads = [threading.Thread(target=stall) for _ in range(frames)]
    for t in threads: t.start()
    for t in threads: t.join(timeout=30)
    time.sleep(2)
    print(f"{frames} stalled 16 MiB frames ({refused[0]} refused by the server): {rss_mib(server.pid):.0f} MiB")
    for s in socks: s.close()
    time.sleep(2)
    print(f"2 s after they closed: {rss_mib(server.pid):.0f} MiB")
    time.sleep(8)
    print(f"10 s after they closed: {rss_mib(server.pid):.0f} MiB")
    server.terminate(); server.wait(timeout=10)

if __name__ == "__main__":
    main()
