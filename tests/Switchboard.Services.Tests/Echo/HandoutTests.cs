using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Echo;

/// <summary>Handout 001 §3: the grader's seven cases, through the public API as the grader drives it (blocking Start on a thread, synchronous client).</summary>
public sealed class HandoutTests
{
    private const int BufferSize = 32;

    private static string Text(int length) =>
        string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));

    private static async Task<(string Payload, bool Success)> Receive(BufferedClient client) =>
        await OnThread.Run(client.ReceiveMessage).Within();

    [Fact]
    public async Task Case_1a_short_message()
    {
        await using var server = EchoTestServer.Start(BufferSize, blocking: true);
        using var client = server.Connect(BufferSize);
        var message = "Four score and seven";
        message.Length.ShouldBeLessThan(BufferSize);

        client.SendMessage(message);

        (await Receive(client)).ShouldBe((message[10..], true));
    }

    [Fact]
    public async Task Case_1b_medium_message_slightly_longer_than_the_buffer()
    {
        await using var server = EchoTestServer.Start(BufferSize, blocking: true);
        using var client = server.Connect(BufferSize);
        var message = Text(BufferSize + 5);

        client.SendMessage(message);

        (await Receive(client)).ShouldBe((message[10..], true));
    }

    [Fact]
    public async Task Case_1c_long_message_several_times_the_buffer()
    {
        await using var server = EchoTestServer.Start(BufferSize, blocking: true);
        using var client = server.Connect(BufferSize);
        var message = Text(BufferSize * 40 + 3);

        client.SendMessage(message);

        (await Receive(client)).ShouldBe((message[10..], true));
    }

    [Fact]
    public async Task Case_1d_three_messages_in_series()
    {
        await using var server = EchoTestServer.Start(BufferSize, blocking: true);
        using var client = server.Connect(BufferSize);
        string[] messages = ["first message in the series", Text(BufferSize * 3), "third and last message"];

        foreach (var message in messages)
        {
            client.SendMessage(message);
            (await Receive(client)).ShouldBe((message[10..], true));
        }
    }

    [Fact]
    public async Task Case_1e_three_messages_in_parallel()
    {
        await using var server = EchoTestServer.Start(BufferSize, blocking: true);
        using var client = server.Connect(BufferSize);
        string[] messages = ["first message, sent at once", Text(BufferSize * 3), "third message, also at once"];

        foreach (var message in messages)
        {
            client.SendMessage(message);
        }

        foreach (var message in messages)
        {
            (await Receive(client)).ShouldBe((message[10..], true));
        }
    }

    [Fact]
    public async Task Case_2a_server_shuts_down_and_the_clients_receive_reports_failure()
    {
        await using var server = EchoTestServer.Start(BufferSize, blocking: true);
        using var client = server.Connect(BufferSize);
        client.SendMessage("a short message");
        (await Receive(client)).ShouldBe(("ssage", true));

        server.Server.KeepRunning = false;
        for (var i = 0; i < 5; i++)
        {
            client.SendMessage($"message {i} to a stopping server");
        }

        (await Receive(client)).ShouldBe((string.Empty, false));
        client.LastError.ShouldNotBeNull();
        await server.Run.Within(TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Case_3a_client_disconnects_and_a_new_client_is_served()
    {
        await using var server = EchoTestServer.Start(BufferSize, blocking: true);
        var first = server.Connect(BufferSize);
        first.SendMessage("hello from the first client");
        (await Receive(first)).ShouldBe((" the first client", true));

        first.Shutdown();
        (await server.Logs.WaitForAsync("closed by client after 1 ")).ShouldEndWith("closed by client after 1 message");

        using var second = server.Connect(BufferSize);
        second.SendMessage("hello from the second client");
        (await Receive(second)).ShouldBe((" the second client", true));
    }
}
