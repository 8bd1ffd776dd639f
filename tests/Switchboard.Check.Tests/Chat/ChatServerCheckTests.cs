using System.Net;
using Microsoft.Extensions.Logging;
using Switchboard.Check.Chat;
using Switchboard.Check.Core;
using Switchboard.Services.Chat;
using Switchboard.Tests.Shared;

namespace Switchboard.Check.Tests.Chat;

/// <summary>The chat server cases judged both ways: all pass against good servers, each broken server is caught by its case.</summary>
public sealed class ChatServerCheckTests
{
    /// <summary>The servers under test keep a short username timer, so the timer case lasts seconds, not a minute.</summary>
    private static readonly TimeSpan UsernameTimer = TimeSpan.FromSeconds(2);

    private static readonly ChatServerSuite Suite = new(UsernameTimer);

    private static readonly string[] Controls = ["join-announced", "public-message", "leave-announced"];

    [Fact]
    public async Task Every_case_passes_against_our_server()
    {
        var logs = new TestLogSink();
        await using var server = await ChatServer.StartAsync(
            new ChatServerOptions { Bind = IPAddress.Loopback, Port = 0, ObserverPort = 0, UsernameTimeout = UsernameTimer },
            b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Warning),
            CancellationToken.None);
        var context = new CaseContext { Service = "chat", Mode = CheckMode.Server, Host = "127.0.0.1", Port = server.Port };

        var report = await Launched.CheckAsync(Suite, context, CheckOptions.For(CheckMode.Server));

        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Fact]
    public async Task Every_case_passes_against_a_correct_server_with_other_codes_and_padding()
    {
        var context = Launched.Server("chat", "python3", Peers.BrokenScript("chat_server_base.py"), "{port}", UsernameTimer.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var report = await Launched.CheckAsync(Suite, context, CheckOptions.For(CheckMode.Server));
        report.ShouldAllPass();
    }

    [Theory]
    [InlineData("chat_server_private_to_all.py", "private-not-to-others", "not the addressee, received the private message")]
    [InlineData("chat_server_no_length_limit.py", "message-over-1000-not-broadcast", "1,001 characters was broadcast")]
    [InlineData("chat_server_single_recv.py", "frame-in-pieces", "has joined")]
    public async Task A_broken_server_is_caught_by_the_case_meant_for_it(string script, string caughtBy, string reasonFragment)
    {
        var report = await Launched.CheckAsync(Suite, Launched.PythonServer("chat", script), CheckOptions.For(CheckMode.Server), [.. Controls, caughtBy]);
        report.ShouldBeCaughtBy(caughtBy, reasonFragment);
    }
}
