# A files client written to handout 004, correct unless one of the flags below turns on a bug a student's
# client typically has. Each broken_*.py sets one flag.
# Usage: python3 SCRIPT HOST PORT FILENAME   (saves FILENAME in the current folder)
import os, socket, sys

def fail(message):
    print("error:", message, file=sys.stderr)
    sys.exit(1)

def download(count_characters=False, no_timeout=False, keep_bad_response=False, crash_on_close=False):
    if len(sys.argv) != 4:
        fail("usage: client.py HOST PORT FILENAME")
    host, port_text, filename = sys.argv[1:]
    try:
        port = int(port_text)
    except ValueError:
        fail(f"port {port_text!r} is not a number")
    if not 1024 <= port <= 64000:
        fail(f"port {port} is not in 1024-64000")
    name = filename.encode("utf-8")
    if not 1 <= len(name) <= 1024:
        fail("file name must be 1-1024 bytes")
    if os.path.lexists(filename):
        fail(f"{filename} already exists here")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if not no_timeout:
        s.settimeout(1)  # the handout's gap: 1 s without progress
    try:
        s.connect((host, port))
        length = len(filename) if count_characters else len(name)  # bug: characters, not bytes
        s.sendall(bytes([0x49, 0x7E, 1]) + length.to_bytes(2, "big") + name)
        header = b""
        while len(header) < 8:
            chunk = s.recv(8 - len(header))
            if not chunk:
                if crash_on_close:
                    header[3]  # bug: the header is indexed without checking it arrived (IndexError, traceback)
                fail("the server closed the connection before a whole FileResponse header")
            header += chunk
        magic, kind, status = (header[0] << 8) | header[1], header[2], header[3]
        size = int.from_bytes(header[4:8], "big")
        bad = magic != 0x497E or kind != 2 or status not in (0, 1) or (status == 0 and size != 0)
        if bad and not keep_bad_response:
            fail("the received FileResponse is erroneous: " + header.hex(" "))
        if status == 0 and not bad:
            fail(f"file {filename} does not exist on the server")
        part = filename + ".part"
        received = 0
        with open(part, "wb") as f:
            while received < size:
                chunk = s.recv(min(65536, size - received))
                if not chunk:
                    break
                f.write(chunk)
                received += len(chunk)
        if received != size and not keep_bad_response:
            os.remove(part)
            fail(f"received {received} of {size} bytes")
        os.rename(part, filename)
        print(f"received {filename}: {received} bytes")
    except socket.timeout:
        for leftover in (filename + ".part",):
            if os.path.exists(leftover):
                os.remove(leftover)
        fail("no progress for 1 s")
    except OSError as e:
        if os.path.exists(filename + ".part"):
            os.remove(filename + ".part")
        fail(str(e))
    finally:
        s.close()

if __name__ == "__main__":
    download()
