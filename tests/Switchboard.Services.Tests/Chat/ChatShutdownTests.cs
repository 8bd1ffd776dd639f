using Switchboard.Protocol.Chat;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Services.Tests.Chat;

public sealed class ChatShutdownTests
{
    [Fact]
    public async Task Stopping_tells_every_client_the_server_is_going_away_then_closes()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await using var eye = await server.ObserveAsync(alice);
        await using var undecided = await ChatPeer.AcceptedAsync(server.Port);
        await server.Server.StopAsync();
        (await alice.ReceiveUntilClosedAsync()).ShouldBe(["User bob has joined", "A new observer has joined", ChatCodes.ServerShutdown]);
        (await bob.ReceiveUntilClosedAsync()).ShouldBe(["A new observer has joined", ChatCodes.ServerShutdown]);
        (await eye.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.ServerShutdown]);
        (await undecided.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.ServerShutdown]);
    }
}
