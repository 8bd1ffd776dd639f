using Switchboard.Protocol.Chat;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Chat;

/// <summary>A client written the handout's way (select, recv(2) into a per-socket buffer, struct.pack("!I")) against our server.</summary>
public sealed class ChatPythonInteropTests
{
    private const string HandoutClient = """
        import select, socket, struct, sys

        buffers = {}

        def send(conn, message):
            data = message.encode()
            conn.sendall(struct.pack("!I", len(data)) + data)

        def recv(conn):
            # The handout's buffering: take what recv(2) gives, return a message once all of it is here.
            buf = buffers.setdefault(conn, b"")
            while True:
                if len(buf) >= 4:
                    (length,) = struct.unpack("!I", buf[:4])
                    if len(buf) >= 4 + length:
                        buffers[conn] = buf[4 + length:]
                        return buf[4:4 + length].decode()
                readable, _, _ = select.select([conn], [], [], 10)
                if not readable:
                    sys.exit("timed out")
                chunk = conn.recv(2)
                if chunk == b"":
                    sys.exit("server closed")
                buf += chunk

        conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        print(recv(conn))
        send(conn, "Pythonistas")
        print(recv(conn))
        send(conn, "py")
        print(recv(conn))
        print(recv(conn).split(" ")[0])
        line = recv(conn)
        while line != "User py has joined":
            line = recv(conn)
        print(line)
        send(conn, "Hello from select")
        line = recv(conn)
        while not line.endswith("Hello from select"):
            line = recv(conn)
        print(line)
        send(conn, "@csharp psst")
        line = recv(conn)
        while not line.startswith("-"):
            line = recv(conn)
        print(line)
        """;

    [Fact]
    public async Task A_handout_style_python_client_negotiates_and_chats()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var csharp = await server.JoinAsync("csharp");
        var run = PythonPeer.RunAsync(HandoutClient, server.Port.ToString());
        (await csharp.ReceiveAsync()).ShouldBe("User py has joined");
        (await csharp.ReceiveAsync()).ShouldBe(">         py: Hello from select");
        (await csharp.ReceiveAsync()).ShouldBe("-         py: @csharp psst");
        var result = await run;
        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ReplaceLineEndings("\n").ShouldBe(
            "accept\nusername-invalid\nusername-accepted\npairing-code\nUser py has joined\n>         py: Hello from select\n-         py: @csharp psst\n");
        (await csharp.ReceiveAsync()).ShouldBe(ChatLines.Left("py"));
    }
}
