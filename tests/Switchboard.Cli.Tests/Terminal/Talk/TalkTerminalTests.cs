using System.Text.RegularExpressions;
using Switchboard.Cli.Terminal;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Talk;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Tests.Terminal.Talk;

public sealed partial class TalkTerminalTests
{
    private sealed class Screen : IDisposable
    {
        public ScriptedInput In { get; } = new();

        public CapturedOutput Out { get; } = new();

        public CapturedOutput Err { get; } = new();

        public ConsoleStreams Streams(bool atTerminal) => new(In.Reader, Out, Err, InIsTerminal: atTerminal, ErrorIsTerminal: atTerminal);

        public void Dispose() => In.Dispose();
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z talk: turned away 127\.0\.0\.1:5000: the line is busy$")]
    private static partial Regex StampedNotice();

    [Fact]
    public async Task A_notice_while_the_prompt_shows_goes_on_its_own_line_and_the_prompt_comes_back()
    {
        using var screen = new Screen();
        var terminal = TalkTerminal.ForServer(screen.Streams(atTerminal: true), Verbosity.Normal);
        var typing = terminal.ReadLineAsync(CancellationToken.None);
        await Deadline.Until(() => screen.Err.Text == "> ", "prompt shown");

        await terminal.ShowNoticeAsync("turned away 127.0.0.1:5000: the line is busy");
        screen.Err.Lines.Count.ShouldBe(2);
        screen.Err.Lines[0].ShouldBe("> ");
        screen.Err.Lines[1].ShouldMatch(StampedNotice().ToString());
        screen.Err.Text.ShouldEndWith("busy\n> ");

        await screen.In.TypeAsync("answer");
        (await typing.Within()).ShouldBe("answer");
        // After Enter the cursor is at the start of a line: nothing more to break.
        await terminal.ShowNoticeAsync("done");
        screen.Err.Lines[^1].ShouldEndWith("talk: done");
    }

    [Fact]
    public async Task A_prompt_given_up_leaves_the_next_notice_on_a_new_line_without_a_new_prompt()
    {
        using var screen = new Screen();
        var terminal = TalkTerminal.ForServer(screen.Streams(atTerminal: true), Verbosity.Normal);
        using var cts = new CancellationTokenSource();
        var typing = terminal.ReadLineAsync(cts.Token);
        await Deadline.Until(() => screen.Err.Text == "> ", "prompt shown");
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(typing.Within());

        await terminal.ShowNoticeAsync("127.0.0.1:5000 hung up");
        screen.Err.Lines[0].ShouldBe("> ");
        screen.Err.Lines[1].ShouldEndWith("talk: 127.0.0.1:5000 hung up");
        screen.Err.Text.ShouldEndWith("hung up\n");

        // The abandoned wait did not lose the line: the next reader gets it.
        await screen.In.TypeAsync("kept");
        (await terminal.ReadLineAsync(CancellationToken.None).Within()).ShouldBe("kept");
    }

    [Fact]
    public async Task Scripts_feeding_stdin_get_no_prompts_and_client_notices_have_no_timestamp()
    {
        using var screen = new Screen();
        var terminal = TalkTerminal.ForClient(screen.Streams(atTerminal: false), Verbosity.Normal);
        await screen.In.TypeAsync("line");
        (await terminal.ReadLineAsync(CancellationToken.None).Within()).ShouldBe("line");
        await terminal.ShowNoticeAsync("the server hung up");
        await terminal.ShowLineAsync("their words");
        screen.Err.Text.ShouldBe("talk: the server hung up\n");
        screen.Out.Text.ShouldBe("their words\n");
    }

    [Fact]
    public async Task Quiet_hides_notices_but_not_errors()
    {
        using var screen = new Screen();
        var terminal = TalkTerminal.ForServer(screen.Streams(atTerminal: false), Verbosity.Quiet);
        await terminal.ShowNoticeAsync("connected");
        await terminal.ShowErrorAsync("127.0.0.1:5000: connection lost: reset");
        screen.Err.Text.ShouldBe("error: 127.0.0.1:5000: connection lost: reset\n");
    }
}
