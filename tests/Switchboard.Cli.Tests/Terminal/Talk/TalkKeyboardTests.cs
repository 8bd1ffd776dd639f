using Switchboard.Cli.Terminal;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Talk;

namespace Switchboard.Cli.Tests.Terminal.Talk;

public sealed class TalkKeyboardTests
{
    [Fact]
    public async Task A_cancelled_wait_keeps_the_line_for_the_next_reader()
    {
        using var input = new ScriptedInput();
        var lines = new TalkKeyboard(input.Reader);
        using var cts = new CancellationTokenSource();
        var waiting = lines.ReadLineAsync(cts.Token);
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(waiting.Within());

        await input.TypeAsync("kept");
        (await lines.ReadLineAsync(CancellationToken.None).Within()).ShouldBe("kept");
    }

    [Fact]
    public async Task Peeking_reads_ahead_one_line_without_taking_it()
    {
        using var input = new ScriptedInput();
        var lines = new TalkKeyboard(input.Reader);
        await input.TypeAsync("one");
        await input.TypeAsync("two");
        (await lines.PeekAsync().Within()).ShouldBe("one");
        (await lines.PeekAsync().Within()).ShouldBe("one");
        (await lines.ReadLineAsync(CancellationToken.None).Within()).ShouldBe("one");
        (await lines.ReadLineAsync(CancellationToken.None).Within()).ShouldBe("two");
    }

    [Fact]
    public async Task The_end_of_input_is_sticky()
    {
        using var input = new ScriptedInput();
        var lines = new TalkKeyboard(input.Reader);
        await input.TypeAsync("last");
        input.End();
        (await lines.ReadLineAsync(CancellationToken.None).Within()).ShouldBe("last");
        lines.AtEnd.ShouldBeFalse();
        (await lines.ReadLineAsync(CancellationToken.None).Within()).ShouldBeNull();
        lines.AtEnd.ShouldBeTrue();
        (await lines.ReadLineAsync(CancellationToken.None).Within()).ShouldBeNull();
        lines.Failure.ShouldBeNull();
    }
}
