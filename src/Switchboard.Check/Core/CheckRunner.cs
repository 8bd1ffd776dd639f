using System.Diagnostics;
using Switchboard.Protocol;

namespace Switchboard.Check.Core;

/// <summary>Bounds for one check run.</summary>
/// <param name="CaseTimeout">Each case's bound (<c>--timeout</c>), scaled by its <see cref="CheckCase.TimeoutFactor"/>.</param>
/// <param name="RunTimeout">The whole run's bound; cases not started by then fail as "not run".</param>
public sealed record CheckOptions(TimeSpan CaseTimeout, TimeSpan RunTimeout)
{
    /// <summary>Server mode: a few seconds above the handouts' own timers (1 s gaps).</summary>
    public static readonly TimeSpan DefaultCaseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Client mode: each run also starts a program (an interpreter, a runtime), which on a busy machine takes seconds.</summary>
    public static readonly TimeSpan DefaultClientCaseTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromMinutes(10);

    public static TimeSpan DefaultCaseTimeoutFor(CheckMode mode) => mode == CheckMode.Client ? DefaultClientCaseTimeout : DefaultCaseTimeout;

    /// <summary>The defaults of <paramref name="mode"/>.</summary>
    public static CheckOptions For(CheckMode mode) => new(DefaultCaseTimeoutFor(mode), DefaultRunTimeout);
}

/// <summary>One case's outcome in a report.</summary>
public sealed record CaseOutcome(string Id, string Title, Verdict Verdict, string Reason, TimeSpan Elapsed);

/// <summary>A whole run: what was checked, each case's outcome, and how long it took.</summary>
public sealed record CheckReport(string Service, CheckMode Mode, string Target, IReadOnlyList<CaseOutcome> Cases, TimeSpan Elapsed)
{
    public int Passed => Cases.Count(c => c.Verdict == Verdict.Pass);

    public int Failed => Cases.Count(c => c.Verdict == Verdict.Fail);

    public int Skipped => Cases.Count(c => c.Verdict == Verdict.Skip);

    /// <summary>No case failed (skipped cases are reported, not counted against).</summary>
    public bool Succeeded => Failed == 0;

    public string Suite => $"{Service} {Mode.ToString().ToLowerInvariant()}";
}

/// <summary>Selects and runs cases one after another, each bounded, the whole run bounded, never throwing for a case's failure.</summary>
public static class CheckRunner
{
    /// <summary>
    /// A case's token is cancelled this long after its timeout (room for killing a client and collecting its output
    /// on a busy machine), and the case is abandoned after as long again.
    /// </summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The cases of <paramref name="suite"/> named by <paramref name="only"/> (all when empty) minus <paramref name="skip"/>.
    /// Ids may be given in full (<c>mailbox.server.bad-magic</c>) or without the suite prefix (<c>bad-magic</c>).
    /// </summary>
    /// <exception cref="InvalidValueException">An id names no case of the suite.</exception>
    public static IReadOnlyList<CheckCase> Select(ICheckSuite suite, IEnumerable<string> only, IEnumerable<string> skip)
    {
        var prefix = $"{suite.Service}.{suite.Mode.ToString().ToLowerInvariant()}.";
        string Resolve(string id)
        {
            var full = id.StartsWith(prefix, StringComparison.Ordinal) ? id : prefix + id;
            return suite.Cases.Any(c => c.Id == full)
                ? full
                : throw new InvalidValueException($"no case '{id}' in {suite.Service} {suite.Mode.ToString().ToLowerInvariant()}: known cases are {string.Join(", ", suite.Cases.Select(c => c.Id[prefix.Length..]))}");
        }
        var onlyIds = only.SelectMany(Split).Select(Resolve).ToHashSet(StringComparer.Ordinal);
        var skipIds = skip.SelectMany(Split).Select(Resolve).ToHashSet(StringComparer.Ordinal);
        return suite.Cases.Where(c => (onlyIds.Count == 0 || onlyIds.Contains(c.Id)) && !skipIds.Contains(c.Id)).ToList();
    }

    private static IEnumerable<string> Split(string ids) => ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs <paramref name="cases"/> in order; <paramref name="onCase"/> hears each outcome as it is decided (live output).</summary>
    public static async Task<CheckReport> RunAsync(
        ICheckSuite suite,
        IReadOnlyList<CheckCase> cases,
        CaseContext context,
        CheckOptions options,
        string target,
        Action<CaseOutcome>? onCase,
        CancellationToken ct)
    {
        var run = Stopwatch.StartNew();
        // Ends what the run's cases shared (a launched server), however the run ends.
        await using var shared = context.Shared.ConfigureAwait(false);
        var outcomes = new List<CaseOutcome>();
        foreach (var @case in cases)
        {
            ct.ThrowIfCancellationRequested();
            CaseOutcome outcome;
            if (run.Elapsed >= options.RunTimeout)
            {
                outcome = new CaseOutcome(@case.Id, @case.Title, Verdict.Fail, $"not run: the whole run's limit of {ReadResult.Seconds(options.RunTimeout)} was reached", TimeSpan.Zero);
            }
            else
            {
                var timeout = options.CaseTimeout * @case.TimeoutFactor;
                outcome = await RunOneAsync(@case, context with { Timeout = timeout, CaseId = @case.Id }, timeout, ct).ConfigureAwait(false);
            }
            outcomes.Add(outcome);
            onCase?.Invoke(outcome);
        }
        return new CheckReport(suite.Service, suite.Mode, target, outcomes, run.Elapsed);
    }

    private static async Task<CaseOutcome> RunOneAsync(CheckCase @case, CaseContext context, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout + Grace);
        CaseResult result;
        try
        {
            var running = Task.Run(() => @case.Run(context, bound.Token), CancellationToken.None);
            var finished = await Task.WhenAny(running, Task.Delay(timeout + Grace + Grace, ct)).ConfigureAwait(false);
            result = finished == running
                ? await running.ConfigureAwait(false)
                : CaseResult.Fail($"did not finish within {ReadResult.Seconds(timeout)} (the case was abandoned)");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            result = CaseResult.Fail($"no answer within {ReadResult.Seconds(timeout)}");
        }
        catch (CheckFailedException e)
        {
            result = CaseResult.Fail(e.Message);
        }
        catch (Exception e)
        {
            // A bug in a case, not in the implementation under test; still one line, never a stack trace.
            result = CaseResult.Fail($"checker error: {e.GetType().Name}: {e.Message}");
        }
        return new CaseOutcome(@case.Id, @case.Title, result.Verdict, result.Reason, clock.Elapsed);
    }
}
