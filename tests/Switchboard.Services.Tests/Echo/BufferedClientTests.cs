using Switchboard.Protocol.Echo;
using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Client;

namespace Switchboard.Services.Tests.Echo;

public sealed class BufferedClientTests
{
    [Fact]
    public async Task A_reply_arriving_one_byte_at_a_time_is_reassembled()
    {
        await using var peer = new FakeEchoPeer();
        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", peer.Port, 3);
        var receive = client.ReceiveMessageAsync();

        await peer.WriteAsync(EchoFrameCodec.Encode("slow 😀 reply"), oneByteAtATime: true);

        (await receive.Within()).ShouldBe(("slow 😀 reply", true));
    }

    [Fact]
    public async Task Bytes_of_the_next_reply_are_kept_for_the_next_call()
    {
        await using var peer = new FakeEchoPeer();
        using var client = new BufferedClient("127.0.0.1", peer.Port, 4096);
        await peer.WriteAsync([.. EchoFrameCodec.Encode("one"), .. EchoFrameCodec.Encode(""), .. EchoFrameCodec.Encode("three")]);

        (await OnThread.Run(client.ReceiveMessage).Within()).ShouldBe(("one", true));
        (await OnThread.Run(client.ReceiveMessage).Within()).ShouldBe(("", true));
        (await OnThread.Run(client.ReceiveMessage).Within()).ShouldBe(("three", true));
    }

    [Fact]
    public async Task A_server_that_closes_is_reported_as_failure_not_an_exception()
    {
        await using var peer = new FakeEchoPeer();
        using var client = new BufferedClient("127.0.0.1", peer.Port, 64);
        await peer.WriteAsync(EchoFrameCodec.Encode("last words"));
        await peer.CloseConnectionAsync();

        (await OnThread.Run(client.ReceiveMessage).Within()).ShouldBe(("last words", true));
        (await OnThread.Run(client.ReceiveMessage).Within()).ShouldBe((string.Empty, false));
        client.LastError.ShouldBe("server closed the connection");
        client.SendMessage("nobody is listening");
        (await client.ReceiveMessageAsync().Within()).ShouldBe((string.Empty, false));
    }

    [Fact]
    public async Task A_server_that_closes_mid_reply_is_a_failure_saying_so()
    {
        await using var peer = new FakeEchoPeer();
        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", peer.Port, 64);
        await peer.WriteAsync([0, 0, 0, 10, (byte)'a']);
        await peer.CloseConnectionAsync();

        (await client.ReceiveMessageAsync().Within()).ShouldBe((string.Empty, false));
        client.LastError.ShouldBe("server closed the connection after 5 bytes of an incomplete EchoMessage");
    }

    [Fact]
    public async Task A_4_GiB_reply_prefix_fails_the_receive_without_waiting_for_it()
    {
        await using var peer = new FakeEchoPeer();
        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", peer.Port, 64);
        await peer.WriteAsync([0xFF, 0xFF, 0xFF, 0xFF]);

        (await client.ReceiveMessageAsync().Within()).ShouldBe((string.Empty, false));
        client.LastError.ShouldBe("malformed EchoMessage: payload_length is 4294967295, expected at most 16777216 bytes");
    }

    [Fact]
    public async Task Shutdown_on_another_thread_ends_a_blocked_receive_with_failure()
    {
        await using var peer = new FakeEchoPeer();
        var client = new BufferedClient("127.0.0.1", peer.Port, 64);
        await peer.ConnectionAsync();
        var receive = OnThread.Run(client.ReceiveMessage);

        client.Shutdown();

        (await receive.Within()).ShouldBe((string.Empty, false));
        client.LastError.ShouldBe("the client has been shut down");
        client.Shutdown();
        client.ReceiveMessage().ShouldBe((string.Empty, false));
    }

    [Fact]
    public async Task A_cancelled_async_receive_keeps_what_arrived_for_the_next_call()
    {
        await using var peer = new FakeEchoPeer();
        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", peer.Port, 2);
        var frame = EchoFrameCodec.Encode("split by a cancellation");
        using var cts = new CancellationTokenSource();
        var first = client.ReceiveMessageAsync(cts.Token);
        await peer.WriteAsync(frame[..7]);

        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => first.Within());

        await peer.WriteAsync(frame[7..]);
        (await client.ReceiveMessageAsync().Within()).ShouldBe(("split by a cancellation", true));
    }

    [Fact]
    public async Task Connecting_to_nothing_is_a_clear_error()
    {
        await using var peer = new FakeEchoPeer();
        var port = peer.Port;
        await peer.DisposeAsync();

        var error = Should.Throw<ConnectFailedException>(() => new BufferedClient("127.0.0.1", port, 64));
        error.Message.ShouldBe($"cannot connect to 127.0.0.1 port {port}: connection refused");
    }

    [Fact]
    public void Bad_arguments_are_refused_before_connecting()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new BufferedClient("127.0.0.1", 1, 0)).Message.ShouldContain("bufferSize must be 1-1048576 bytes, got 0");
        Should.Throw<ArgumentOutOfRangeException>(() => new BufferedClient("127.0.0.1", 0, 64)).ParamName.ShouldBe("port");
    }

    [Fact]
    public async Task A_message_utf8_cannot_carry_is_refused_and_nothing_is_sent()
    {
        await using var server = EchoTestServer.Start();
        using var client = server.Connect();
        Should.Throw<ArgumentException>(() => client.SendMessage("lone \uD800 surrogate")).Message.ShouldContain("lone surrogate U+D800");
        client.SendMessage("still fine afterwards");
        (await client.ReceiveMessageAsync().Within()).ShouldBe((" afterwards", true));
    }
}
