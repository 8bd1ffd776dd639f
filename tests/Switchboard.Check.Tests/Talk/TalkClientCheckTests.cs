using Switchboard.Check.Core;
using Switchboard.Check.Talk;

namespace Switchboard.Check.Tests.Talk;

/// <summary>The talk client cases judged both ways: all pass against our client, each broken client is caught by its case.</summary>
public sealed class TalkClientCheckTests
{
    private static readonly TalkClientSuite Suite = new();

    [Fact]
    public async Task Every_case_passes_against_our_client()
    {
        var report = await Launched.CheckAsync(Suite, Launched.Client("talk", Peers.OurClient("talk")), Launched.Generous);
        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Theory]
    [InlineData("talk_client_no_lock_step.py", "lock-step", "before the answer to its first line")]
    [InlineData("talk_client_ignores_hang_up.py", "server-hangs-up", "did not end by itself")]
    [InlineData("talk_client_traceback.py", "connection-reset", "ConnectionResetError")]
    [InlineData("talk_client_single_recv.py", "long-answer", "(1025 characters)")]
    public async Task A_broken_client_is_caught_by_the_case_meant_for_it(string script, string caughtBy, string reasonFragment)
    {
        var report = await Launched.CheckAsync(Suite, Launched.Client("talk", Launched.PythonClient(script)), CheckOptions.For(CheckMode.Client), "first-exchange", caughtBy);
        report.ShouldBeCaughtBy(caughtBy, reasonFragment);
    }
}
