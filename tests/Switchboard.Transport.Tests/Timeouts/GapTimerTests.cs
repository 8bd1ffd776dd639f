using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Tests.Timeouts;

public sealed class GapTimerTests
{
    private static Task Fired(GapTimer timer)
    {
        var fired = new TaskCompletionSource();
        timer.Token.Register(() => fired.TrySetResult());
        return fired.Task;
    }

    [Fact]
    public async Task Fires_after_one_gap_and_reports_the_gap_rule()
    {
        using var timer = new GapTimer(TimeSpan.FromMilliseconds(100));
        timer.Restart();
        await Fired(timer).Within();
        timer.HasExpired.ShouldBeTrue();
        var error = timer.Expired("reading X");
        error.Message.ShouldBe("reading X: no progress for 0.1 s (gap rule)");
        error.Reason.ShouldBe("gap-timeout");
    }

    [Fact]
    public async Task The_deadline_fires_even_while_progress_is_made()
    {
        using var timer = new GapTimer(TimeSpan.FromSeconds(5));
        timer.StartDeadline(TimeSpan.FromMilliseconds(200));
        var fired = Fired(timer);
        while (!fired.IsCompleted)
        {
            timer.Restart(); // steady progress never resets the deadline
            await Task.WhenAny(fired, Task.Delay(20));
        }
        timer.Expired("reading X").Reason.ShouldBe("request-timeout");
        timer.Expired("reading X").Message.ShouldBe("reading X: not complete within 0.2 s");
    }

    [Fact]
    public async Task Pause_allows_idleness_until_restarted()
    {
        using var timer = new GapTimer(TimeSpan.FromMilliseconds(50));
        timer.Restart();
        timer.Pause();
        var fired = Fired(timer);
        (await Task.WhenAny(fired, Task.Delay(300))).ShouldNotBe(fired);
        timer.Restart();
        await fired.Within();
    }

    [Fact]
    public async Task Steady_progress_keeps_it_from_firing_and_it_fires_one_gap_after_the_last()
    {
        using var timer = new GapTimer(TimeSpan.FromMilliseconds(100));
        long firedAt = 0;
        var fired = new TaskCompletionSource();
        timer.Token.Register(() =>
        {
            firedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            fired.TrySetResult();
        });
        long lastRestart = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        // Progress every 10 ms for 400 ms: the pending timer comes due several times and must wait on each time.
        // (A stall of a whole gap on a loaded machine may end the loop early; the rule below holds either way.)
        while (started.ElapsedMilliseconds < 400 && !fired.Task.IsCompleted)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            timer.Restart();
            if (!timer.Token.IsCancellationRequested)
            {
                lastRestart = now;
            }
            await Task.Delay(10);
        }
        await fired.Task.Within();
        // Never sooner than one gap after the last progress (the runtime's timers may round down by a millisecond).
        System.Diagnostics.Stopwatch.GetElapsedTime(lastRestart, firedAt).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(98));
        timer.Expired("reading X").Reason.ShouldBe("gap-timeout");
    }

    [Fact]
    public async Task A_deadline_sooner_than_the_pending_gap_fires_at_the_deadline()
    {
        using var timer = new GapTimer(TimeSpan.FromSeconds(30));
        timer.Restart(); // a timer pending for 30 s
        timer.StartDeadline(TimeSpan.FromMilliseconds(100));
        await Fired(timer).Within();
        timer.Expired("reading X").Reason.ShouldBe("request-timeout");
    }

    [Fact]
    public async Task Paused_past_the_pending_time_it_stays_quiet_and_disposes_cleanly()
    {
        var timer = new GapTimer(TimeSpan.FromMilliseconds(30));
        timer.Restart();
        timer.Pause();
        var fired = Fired(timer);
        (await Task.WhenAny(fired, Task.Delay(200))).ShouldNotBe(fired);
        timer.HasExpired.ShouldBeFalse();
        timer.Dispose();
        Should.Throw<ObjectDisposedException>(() => timer.Restart());
    }

    [Fact]
    public void The_outer_token_cancels_without_counting_as_a_timeout()
    {
        using var outer = new CancellationTokenSource();
        using var timer = new GapTimer(TimeSpan.FromSeconds(5), outer.Token);
        outer.Cancel();
        timer.Token.IsCancellationRequested.ShouldBeTrue();
        timer.HasExpired.ShouldBeFalse();
    }

    [Fact]
    public void A_gap_must_be_positive()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new GapTimer(TimeSpan.Zero));
        Should.Throw<ArgumentOutOfRangeException>(() => new TransportLimits { GapTimeout = TimeSpan.FromSeconds(-1) }.Validated())
            .Message.ShouldContain("GapTimeout");
    }
}
