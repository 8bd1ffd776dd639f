using Switchboard.Check.Core;
using Switchboard.Protocol;

namespace Switchboard.Check.Tests.Core;

public sealed class CheckRunnerTests
{
    private sealed class Suite(params CheckCase[] cases) : ICheckSuite
    {
        public string Service => "demo";

        public CheckMode Mode => CheckMode.Server;

        public IReadOnlyList<CheckCase> Cases => cases;
    }

    private static readonly CaseContext Context = new() { Service = "demo", Mode = CheckMode.Server };

    private static CheckCase Case(string id, Func<CaseContext, CancellationToken, Task<CaseResult>> run) => new("demo.server." + id, id, run);

    [Fact]
    public async Task A_case_that_throws_fails_with_one_line_and_the_run_goes_on()
    {
        var suite = new Suite(
            Case("throws", (_, _) => throw new InvalidOperationException("boom")),
            Case("check-failed", (_, _) => throw new CheckFailedException("expected ae73, got 0000")),
            Case("passes", (_, _) => Task.FromResult(CaseResult.Pass())));
        var report = await CheckRunner.RunAsync(suite, suite.Cases, Context, CheckOptions.For(CheckMode.Server), "t", null, CancellationToken.None);
        report.Cases.Select(c => c.Verdict).ShouldBe([Verdict.Fail, Verdict.Fail, Verdict.Pass]);
        report.Cases[0].Reason.ShouldBe("checker error: InvalidOperationException: boom");
        report.Cases[1].Reason.ShouldBe("expected ae73, got 0000");
        report.Succeeded.ShouldBeFalse();
    }

    [Fact]
    public async Task A_case_that_ignores_its_token_is_abandoned_after_its_bound()
    {
        var never = new TaskCompletionSource<CaseResult>();
        var suite = new Suite(Case("hangs", (_, _) => never.Task));
        var options = new CheckOptions(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        var report = await CheckRunner.RunAsync(suite, suite.Cases, Context, options, "t", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        report.Cases[0].Verdict.ShouldBe(Verdict.Fail);
        report.Cases[0].Reason.ShouldContain("did not finish within 0.1 s");
    }

    [Fact]
    public async Task Cases_not_started_within_the_run_bound_fail_as_not_run()
    {
        var suite = new Suite(
            Case("slow", async (_, ct) => { await Task.Delay(300, ct); return CaseResult.Pass(); }),
            Case("late", (_, _) => Task.FromResult(CaseResult.Pass())));
        var options = new CheckOptions(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        var report = await CheckRunner.RunAsync(suite, suite.Cases, Context, options, "t", null, CancellationToken.None);
        report.Cases[0].Verdict.ShouldBe(Verdict.Pass);
        report.Cases[1].Verdict.ShouldBe(Verdict.Fail);
        report.Cases[1].Reason.ShouldStartWith("not run: the whole run's limit");
    }

    [Fact]
    public void Selection_takes_short_or_full_ids_and_rejects_unknown_ones_naming_the_known()
    {
        var suite = new Suite(Case("a", (_, _) => Task.FromResult(CaseResult.Pass())), Case("b", (_, _) => Task.FromResult(CaseResult.Pass())), Case("c", (_, _) => Task.FromResult(CaseResult.Pass())));
        CheckRunner.Select(suite, ["a,demo.server.c"], []).Select(c => c.Id).ShouldBe(["demo.server.a", "demo.server.c"]);
        CheckRunner.Select(suite, [], ["b"]).Select(c => c.Id).ShouldBe(["demo.server.a", "demo.server.c"]);
        Should.Throw<InvalidValueException>(() => CheckRunner.Select(suite, ["zzz"], [])).Message.ShouldBe("no case 'zzz' in demo server: known cases are a, b, c");
    }

    [Fact]
    public void Every_registered_case_id_is_unique_kebab_case_and_prefixed_by_its_suite()
    {
        foreach (var suite in CheckSuites.All)
        {
            var prefix = $"{suite.Service}.{suite.Mode.ToString().ToLowerInvariant()}.";
            foreach (var c in suite.Cases)
            {
                c.Id.ShouldStartWith(prefix);
                c.Id[prefix.Length..].ShouldMatch("^[a-z0-9]+(-[a-z0-9]+)*$");
            }
        }
        CheckSuites.All.SelectMany(s => s.Cases).Select(c => c.Id).ShouldBeUnique();
    }
}
