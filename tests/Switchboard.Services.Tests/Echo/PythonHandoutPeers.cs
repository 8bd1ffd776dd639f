using System.ComponentModel;
using System.Diagnostics;

namespace Switchboard.Services.Tests.Echo;

/// <summary>
/// Minimal client and server written to handout 001 in Python, the language its graders use, to prove
/// byte compatibility both ways. python3 must be on PATH (CI installs it); a missing python3 fails the test.
/// </summary>
internal static class PythonHandoutPeers
{
    /// <summary>buffered_client.py as the handout describes it. Sends each argument, prints JSON of (reply, reply == msg[10:]).</summary>
    public const string Client = """
        import json, sys
        from socket import *
        from struct import pack, unpack

        class BufferedClient:
            def __init__(self, host, port, buffer_size):
                self.buffer_size = buffer_size
                self.sock = socket(AF_INET, SOCK_STREAM)
                self.sock.connect((host, port))

            def send_message(self, message):
                payload = message.encode()
                self.sock.sendall(pack("!I", len(payload)) + payload)

            def _recv_exactly(self, count):
                data = b""
                while len(data) < count:
                    chunk = self.sock.recv(min(self.buffer_size, count - len(data)))
                    if not chunk:
                        return None
                    data += chunk
                return data

            def receive_message(self):
                try:
                    header = self._recv_exactly(4)
                    if header is None:
                        return "", False
                    length = unpack("!I", header)[0]
                    payload = self._recv_exactly(length)
                    if payload is None:
                        return "", False
                    return payload.decode(), True
                except ConnectionResetError:
                    return "", False

            def shutdown(self):
                self.sock.close()

        port, buffer_size, messages = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.stdin.read())
        client = BufferedClient("127.0.0.1", port, buffer_size)
        for m in messages:
            client.send_message(m)
        results = []
        for m in messages:
            reply, ok = client.receive_message()
            results.append([reply, ok and reply == m[10:]])
        client.shutdown()
        print(json.dumps(results))
        """;

    /// <summary>buffered_server.py as the handout describes it: one client at a time, prints its port, serves one client, exits.</summary>
    public const string Server = """
        import sys
        from socket import *
        from struct import pack, unpack

        buffer_size = int(sys.argv[1])
        server = socket(AF_INET, SOCK_STREAM)
        server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        print(server.getsockname()[1], flush=True)

        def recv_exactly(conn, count):
            data = b""
            while len(data) < count:
                chunk = conn.recv(min(buffer_size, count - len(data)))
                if not chunk:
                    return None
                data += chunk
            return data

        conn, addr = server.accept()
        while True:
            header = recv_exactly(conn, 4)
            if header is None:
                break
            payload = recv_exactly(conn, unpack("!I", header)[0]).decode()
            reply = payload[10:].encode()
            conn.sendall(pack("!I", len(reply)) + reply)
        conn.close()
        server.close()
        """;

    /// <summary>Ends <paramref name="python"/> if a failed test left it running.</summary>
    public static void Stop(Process python)
    {
        if (!python.HasExited)
        {
            python.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Starts python3 on <paramref name="script"/>; fails the test clearly when python3 is missing.</summary>
    public static Process Start(string script, params string[] args)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("python3 is not on PATH: the Python interop tests need it (CI installs it)", e);
        }
    }
}
