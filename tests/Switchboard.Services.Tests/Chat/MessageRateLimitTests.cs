using System.Diagnostics;
using Switchboard.Services.Chat;

namespace Switchboard.Services.Tests.Chat;

public sealed class MessageRateLimitTests
{
    private static readonly long Second = Stopwatch.Frequency;

    [Fact]
    public void A_full_bucket_allows_the_burst_then_refuses()
    {
        var limit = new MessageRateLimit(burst: 3, perSecond: 10);
        var now = Stopwatch.GetTimestamp();
        limit.TryTake(now).ShouldBeTrue();
        limit.TryTake(now).ShouldBeTrue();
        limit.TryTake(now).ShouldBeTrue();
        limit.TryTake(now).ShouldBeFalse();
    }

    [Fact]
    public void One_token_comes_back_every_period_and_never_more_than_the_burst()
    {
        var limit = new MessageRateLimit(burst: 2, perSecond: 10);
        var now = Stopwatch.GetTimestamp();
        limit.TryTake(now).ShouldBeTrue();
        limit.TryTake(now).ShouldBeTrue();
        limit.TryTake(now + (Second / 20)).ShouldBeFalse();
        limit.TryTake(now + (Second / 10)).ShouldBeTrue();
        limit.TryTake(now + (Second / 10)).ShouldBeFalse();
        // A long silence refills to the burst, not beyond it.
        var later = now + (60 * Second);
        limit.TryTake(later).ShouldBeTrue();
        limit.TryTake(later).ShouldBeTrue();
        limit.TryTake(later).ShouldBeFalse();
    }

    [Fact]
    public void Time_left_over_from_a_partial_period_is_kept()
    {
        var limit = new MessageRateLimit(burst: 1, perSecond: 10);
        var now = Stopwatch.GetTimestamp();
        limit.TryTake(now).ShouldBeTrue();
        // 0.15 s earns one token with half a period left over, so the next comes at 0.2 s, not 0.25 s.
        limit.TryTake(now + (Second * 15 / 100)).ShouldBeTrue();
        limit.TryTake(now + (Second * 19 / 100)).ShouldBeFalse();
        limit.TryTake(now + (Second * 21 / 100)).ShouldBeTrue();
    }
}
