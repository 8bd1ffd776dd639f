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
