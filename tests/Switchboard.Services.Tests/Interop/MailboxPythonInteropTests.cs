using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox;
using Switchboard.Services.Tests.Mailbox;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Interop;

/// <summary>A client written straight from handout 000 in Python, against our server.</summary>
public sealed class MailboxPythonInteropTests
{
    // Builds records with struct.pack exactly as §3.3 describes and reads the response as §3.3.2 does.
    private const string HandoutClient = """
        import socket, struct, sys
        host, port, user, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        s = socket.create_connection((host, port), timeout=1)
        name = user.encode("utf-8")
        if kind == "create":
            receiver, text = sys.argv[5].encode("utf-8"), sys.argv[6].encode("utf-8")
            s.sendall(struct.pack("!HBBBH", 0xAE73, 2, len(name), len(receiver), len(text)) + name + receiver + text)
            s.close()
            sys.exit(0)
        s.sendall(struct.pack("!HBBBH", 0xAE73, 1, len(name), 0, 0) + name)
        def recv_exact(n):
            data = b""
            while len(data) < n:
                chunk = s.recv(n - len(data))
                if not chunk:
                    raise SystemExit("short response")
                data += chunk
            return data
        magic, rid, num, more = struct.unpack("!HBBB", recv_exact(5))
        assert magic == 0xAE73 and rid == 3 and more in (0, 1), (magic, rid, more)
        for _ in range(num):
            slen, mlen = struct.unpack("!BH", recv_exact(3))
            print(recv_exact(slen).decode("utf-8") + ": " + recv_exact(mlen).decode("utf-8"))
        print("more=%d" % more)
        s.close()
        """;

    [Fact]
    public async Task A_handout_python_client_creates_and_reads_messages()
    {
        await using var server = await MailboxTestServer.StartAsync();
        var port = server.Port.ToString();
        (await PythonPeer.RunAsync(HandoutClient, "127.0.0.1", port, "Zoë", "create", "bob", "from Python ☃")).ExitCode.ShouldBe(0);
        (await PythonPeer.RunAsync(HandoutClient, "127.0.0.1", port, "al", "create", "bob", "second")).ExitCode.ShouldBe(0);
        await Deadline.Until(() => server.Store.CountAsync("bob", default).AsTask().Result == 2, "both messages stored");

        var read = await PythonPeer.RunAsync(HandoutClient, "127.0.0.1", port, "bob", "read");
        read.ExitCode.ShouldBe(0, read.Error);
        read.Out.ShouldBe("Zoë: from Python ☃\nal: second\nmore=0\n");
    }

    [Fact]
    public async Task Our_client_works_against_a_handout_python_server()
    {
        await using var python = await PythonPeer.Server.StartAsync("handout_mailbox_server.py");
        var client = new MailboxClient(TransportLimits.Default);
        await client.CreateAsync("127.0.0.1", python.Port, "Zoë", "bob", "hello from C# ☃", default);

        var received = new List<MailboxMessage>();
        var result = await client.ReadAsync("localhost", python.Port, "bob", m => { received.Add(m); return ValueTask.CompletedTask; }, default);
        result.ShouldBe(new MailboxReadResult(1, false));
        received.ShouldBe([new MailboxMessage("Zoë", "hello from C# ☃")]);
    }
}
