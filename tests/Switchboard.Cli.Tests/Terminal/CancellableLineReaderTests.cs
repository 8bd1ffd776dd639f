using Switchboard.Cli.Terminal;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Talk;

namespace Switchboard.Cli.Tests.Terminal;

public sealed class CancellableLineReaderTests
{
    [Fact]
    public async Task A_read_blocked_in_its_source_ends_at_once_when_cancelled_and_keeps_the_line()
    {
        using var input = new ScriptedInput();
        // A blocking source, as Console.In is: its async read ignores the token.
        var reader = new CancellableLineReader(new BlockingReader(input.Reader));
        using var cts = new CancellationTokenSource();
        var waiting = reader.ReadLineAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(waiting.Within(TimeSpan.FromSeconds(2)));

        await input.TypeAsync("kept");
        (await reader.ReadLineAsync(CancellationToken.None).AsTask().Within()).ShouldBe("kept");
    }

    [Fact]
    public async Task Lines_come_in_order_and_the_end_is_sticky()
    {
        using var input = new ScriptedInput();
        var reader = new CancellableLineReader(new BlockingReader(input.Reader));
        await input.TypeAsync("one");
        await input.TypeAsync("two");
        input.End();
        (await reader.ReadLineAsync(CancellationToken.None).AsTask().Within()).ShouldBe("one");
        (await reader.ReadLineAsync(CancellationToken.None).AsTask().Within()).ShouldBe("two");
        (await reader.ReadLineAsync(CancellationToken.None).AsTask().Within()).ShouldBeNull();
        (await reader.ReadLineAsync(CancellationToken.None).AsTask().Within()).ShouldBeNull();
    }

    [Fact]
    public async Task Nothing_is_read_ahead_of_what_was_asked_for()
    {
        using var input = new ScriptedInput();
        var source = new BlockingReader(input.Reader);
        var reader = new CancellableLineReader(source);
        await input.TypeAsync("one");
        await input.TypeAsync("two");
        (await reader.ReadLineAsync(CancellationToken.None).AsTask().Within()).ShouldBe("one");
        // The second line is still in the source: no background read took it.
        (await Task.Run(source.ReadLine).Within()).ShouldBe("two");
    }

    /// <summary>Only blocking reads, like the console's own reader.</summary>
    private sealed class BlockingReader(TextReader inner) : TextReader
    {
        public override string? ReadLine() => inner.ReadLine();
    }
}
