"""A handout-000 mailbox client with one deliberate flaw, for testing that `switchboard check` catches it.

usage: python3 mailbox_client.py FLAW HOST PORT USER read|create

FLAW is `none` (a correct client, which must pass every case) or one of the flaws below, each a mistake
real student clients make.
"""
import socket
import struct
import sys

FLAW = sys.argv[1]
FLAWS = {
    "none",
    "traceback",        # no error handling at all: any fault ends in a Python traceback
    "no-timeout",       # no socket timeout: a stalled server holds the client forever
    "ignore-magic",     # never looks at the response's MagicNo
    "no-port-check",    # does not check the port range
    "single-recv",      # reads the whole response with one recv(4096)
    "ignore-more-msgs", # says nothing when MoreMsgs = 1
}
assert FLAW in FLAWS, FLAW
args = sys.argv[2:]


class Fault(Exception):
    pass


def fail(message):
    print("error:", message, file=sys.stderr)
    sys.exit(1)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise Fault("the server closed the connection in the middle of the response")
        data += chunk
    return data


def check_args():
    if len(args) != 4:
        fail("usage: client.py HOST PORT USER read|create")
    host, port, user, kind = args
    try:
        port = int(port)
    except ValueError:
        fail(f"port '{port}' is not a number")
    if FLAW != "no-port-check" and not 1024 <= port <= 64000:
        fail(f"port {port} is not between 1024 and 64000")
    if not 1 <= len(user.encode("utf-8")) <= 255:
        fail("the user name must be 1-255 bytes")
    if kind not in ("read", "create"):
        fail(f"'{kind}' is not read or create")
    try:
        address = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)[0][4]
    except socket.gaierror as e:
        fail(f"cannot resolve {host}: {e}")
    return address, user, kind


def ask(prompt, limit):
    while True:
        try:
            value = input(prompt)
        except EOFError:
            fail("input ended")
        if 1 <= len(value.encode("utf-8")) < limit:
            return value
        print(f"must be 1-{limit - 1} bytes, try again", file=sys.stderr)


def request(user, kind):
    name = user.encode("utf-8")
    if kind == "read":
        return struct.pack("!HBBBH", 0xAE73, 1, len(name), 0, 0) + name
    receiver = ask("Receiver: ", 255).encode("utf-8")
    message = ask("Message: ", 65535).encode("utf-8")
    return struct.pack("!HBBBH", 0xAE73, 2, len(name), len(receiver), len(message)) + name + receiver + message


def read_response(sock):
    if FLAW == "single-recv":
        data = sock.recv(4096)
        magic, rid, count, more = struct.unpack("!HBBB", data[:5])
        if magic != 0xAE73 or rid != 3 or more not in (0, 1):
            raise Fault("bad response header")
        pos = 5
        for _ in range(count):
            if pos + 3 > len(data):
                break  # the rest did not come in this one recv: silently lost
            slen, mlen = struct.unpack("!BH", data[pos:pos + 3])
            sender = data[pos + 3:pos + 3 + slen].decode("utf-8", "replace")
            text = data[pos + 3 + slen:pos + 3 + slen + mlen].decode("utf-8", "replace")
            print(f"{sender}: {text}")
            pos += 3 + slen + mlen
        return
    magic, rid, count, more = struct.unpack("!HBBB", recv_exact(sock, 5))
    if magic != 0xAE73 and FLAW != "ignore-magic":
        raise Fault(f"bad MagicNo 0x{magic:04X}")
    if rid != 3:
        raise Fault(f"bad ID {rid}")
    if more not in (0, 1):
        raise Fault(f"bad MoreMsgs {more}")
    if count == 0:
        print("no messages")
    for _ in range(count):
        slen, mlen = struct.unpack("!BH", recv_exact(sock, 3))
        if slen < 1 or mlen < 1:
            raise Fault("empty sender or message")
        sender = recv_exact(sock, slen).decode("utf-8")
        text = recv_exact(sock, mlen).decode("utf-8")
        print(f"{sender}: {text}")
    if more and FLAW != "ignore-more-msgs":
        print("more messages are waiting")


def main():
    if FLAW == "traceback":
        host, port, user, kind = args
        sock = socket.create_connection((host, int(port)))
        sock.settimeout(1)
        sock.sendall(request(user, kind))
        if kind == "read":
            magic, rid, count, more = struct.unpack("!HBBB", sock.recv(5))
            assert magic == 0xAE73 and rid == 3 and more in (0, 1), "bad response"
            for _ in range(count):
                slen, mlen = struct.unpack("!BH", recv_exact(sock, 3))
                print(recv_exact(sock, slen).decode(), recv_exact(sock, mlen).decode())
        return
    address, user, kind = check_args()
    record = request(user, kind)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if FLAW != "no-timeout":
        sock.settimeout(1)
    try:
        sock.connect(address)
        sock.sendall(record)
        if kind == "read":
            read_response(sock)
        else:
            if sock.recv(1):
                raise Fault("unexpected data after a create")
            print("message sent")
    except (Fault, OSError, UnicodeDecodeError) as e:
        fail(str(e) or type(e).__name__)
    finally:
        sock.close()


main()
