"""The cheapest possible connection-per-request server: accept, read once, close. A floor for
comparing servers whose protocol opens a connection per request (mailbox, files).

usage: python3 accept_close_server.py PORT   (0 picks a free port; the bound port is printed first)
"""
import socket
import sys

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(512)
print(srv.getsockname()[1], flush=True)
while True:
    conn, _ = srv.accept()
    conn.recv(256)
    conn.close()
