# Sequential mailbox creates against a running server: connect, send one create, wait for the close.
# Usage: python3 bench/scripts/mailbox_create_load.py PORT COUNT  (prints acknowledged/total and creates per second)
import socket, struct, sys, time
port=int(sys.argv[1]); n=int(sys.argv[2])
def create():
    s=socket.create_connection(("127.0.0.1",port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,1)
    u=b"al"; r=b"bob"; m=b"hello there"
    s.sendall(struct.pack(">HBBBH",0xAE73,2,len(u),len(r),len(m))+u+r+m)
    d=s.recv(10); s.close(); return d==b""
t=time.time(); ok=sum(create() for _ in range(n)); dt=time.time()-t
print(f"{ok}/{n} ok, {n/dt:.0f} req/s")
