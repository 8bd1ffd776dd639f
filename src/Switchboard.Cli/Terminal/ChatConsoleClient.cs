using Switchboard.Protocol;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;

namespace Switchboard.Cli.Terminal;

/// <summary>
/// <c>switchboard chat client</c>: the user's side of a <see cref="ChatClient"/>. Participants choose a name, see the
/// pairing code, then type while the room's lines appear; observers pair and watch. Exit status: 0 after
/// <c>exit()</c>, end of input, or (observers) the participant leaving; 1 when the server goes away.
/// </summary>
internal static class ChatConsoleClient
{
    public const string UsernamePrompt = "Enter username, max 10 chars: ";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunParticipantAsync(string host, int port, ConsoleStreams console, CancellationToken cancellationToken)
    {
        var display = ChatDisplay.For(console);
        await using var client = await ChatClient.ConnectAsync(host, port, ConnectTimeout, cancellationToken).ConfigureAwait(false);
        var (name, code) = await ChooseUsernameAsync(client, display, cancellationToken).ConfigureAwait(false);
        await display.NoticeAsync($"joined as {name}. Observer pairing code: {code}").ConfigureAwait(false);
        if (console.InIsTerminal)
        {
            await display.NoticeAsync("Type a message and press Enter. @name text: private; /who: who is here; exit(): leave.").ConfigureAwait(false);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = ReceiveAsync(client, display, observed: null, stop.Token);
        var typing = TypeAsync(client, display, console.InIsTerminal ? $"> {name}: " : string.Empty, stop.Token);
        if (await Task.WhenAny(receiving, typing).ConfigureAwait(false) == typing && await typing.ConfigureAwait(false))
        {
            // exit() or end of input: leave. The input reader may be parked on the console; the process ends anyway.
            display.StopInput();
            await stop.CancelAsync().ConfigureAwait(false);
            return 0;
        }
        var end = await receiving.ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        return await ReportEndAsync(client, display, end).ConfigureAwait(false);
    }

    public static async Task<int> RunObserverAsync(string host, int observerPort, ConsoleStreams console, CancellationToken cancellationToken)
    {
        var display = ChatDisplay.For(console);
        await using var client = await ChatClient.ConnectAsync(host, observerPort, ConnectTimeout, cancellationToken).ConfigureAwait(false);
        var name = await PairAsync(client, display, cancellationToken).ConfigureAwait(false);
        await display.NoticeAsync($"observing {name} (Ctrl+C to stop)").ConfigureAwait(false);
        var end = await ReceiveAsync(client, display, name, cancellationToken).ConfigureAwait(false);
        if (end == End.ParticipantLeft)
        {
            await display.NoticeAsync($"{name} left; nothing more to observe").ConfigureAwait(false);
            return 0;
        }
        return await ReportEndAsync(client, display, end).ConfigureAwait(false);
    }

    private enum End
    {
        Shutdown,
        Closed,
        ParticipantLeft,
    }

    private static async Task<(string Name, string Code)> ChooseUsernameAsync(ChatClient client, ChatDisplay display, CancellationToken cancellationToken)
    {
        while (true)
        {
            var typed = await display.ReadLineAsync(UsernamePrompt, cancellationToken, keepLine: true).ConfigureAwait(false)
                ?? throw new ChatSessionEndedException("input ended before a username was accepted", "no-input");
            if (Username.Describe(typed) is { } problem)
            {
                await display.NoticeAsync($"{problem}; try again").ConfigureAwait(false);
                continue;
            }
            switch (await client.ChooseUsernameAsync(typed, cancellationToken).ConfigureAwait(false))
            {
                case UsernameReply.Accepted accepted:
                    return (typed, accepted.PairingCode);
                case UsernameReply.InUse:
                    await display.NoticeAsync($"username {typed} is already in use; try another").ConfigureAwait(false);
                    break;
                default:
                    await display.NoticeAsync($"the server refused username {typed}; try another").ConfigureAwait(false);
                    break;
            }
        }
    }

    private static async Task<string> PairAsync(ChatClient client, ChatDisplay display, CancellationToken cancellationToken)
    {
        while (true)
        {
            var name = await display.ReadLineAsync("Participant to observe: ", cancellationToken, keepLine: true).ConfigureAwait(false);
            var code = name is null ? null : await display.ReadLineAsync("Pairing code: ", cancellationToken, keepLine: true).ConfigureAwait(false);
            if (name is null || code is null)
            {
                throw new ChatSessionEndedException("input ended before pairing", "no-input");
            }
            name = name.Trim();
            code = code.Trim();
            if (!Username.IsValid(name))
            {
                await display.NoticeAsync($"'{name}' is not a username ({Username.Describe(name)}); try again").ConfigureAwait(false);
                continue;
            }
            if (!PairingCode.IsWellFormed(code))
            {
                await display.NoticeAsync($"'{code}' is not a pairing code (6 letters and digits, shown to the participant when it joined); try again").ConfigureAwait(false);
                continue;
            }
            switch (await client.PairAsync(name, code, cancellationToken).ConfigureAwait(false))
            {
                case PairingOutcome.Accepted:
                    return name;
                case PairingOutcome.InUse:
                    await display.NoticeAsync($"{name} already has an observer").ConfigureAwait(false);
                    break;
                default:
                    await display.NoticeAsync($"no active participant {name} with that pairing code; try again").ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Sends what the user types until <c>exit()</c> or end of input (true), or until sending fails (false).</summary>
    private static async Task<bool> TypeAsync(ChatClient client, ChatDisplay display, string prompt, CancellationToken cancellationToken)
    {
        while (await display.ReadLineAsync(prompt, cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line == ChatCodes.Exit)
            {
                return true;
            }
            var length = CodePoints.Count(line);
            if (length > ChatWire.MaxMessageCharacters)
            {
                await display.NoticeAsync($"message too long ({length} characters, at most {ChatWire.MaxMessageCharacters}); not sent").ConfigureAwait(false);
                continue;
            }
            try
            {
                await client.SendAsync(line, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                await display.NoticeAsync($"cannot send that line: {e.Message}").ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or Protocol.SwitchboardException)
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<End> ReceiveAsync(ChatClient client, ChatDisplay display, string? observed, CancellationToken cancellationToken)
    {
        var participantLeft = false;
        while (true)
        {
            var incoming = await client.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            switch (incoming.Kind)
            {
                case ChatIncomingKind.Line:
                    await display.ShowAsync(incoming.Text).ConfigureAwait(false);
                    participantLeft |= observed is not null && IsLeaving(incoming.Text, observed);
                    break;
                case ChatIncomingKind.Shutdown:
                    return End.Shutdown;
                default:
                    return participantLeft ? End.ParticipantLeft : End.Closed;
            }
        }
    }

    private static bool IsLeaving(string line, string name) =>
        line.StartsWith("User ", StringComparison.Ordinal)
        && line.EndsWith(" has left", StringComparison.Ordinal)
        && Username.Comparer.Equals(line["User ".Length..^" has left".Length], name);

    private static async Task<int> ReportEndAsync(ChatClient client, ChatDisplay display, End end)
    {
        display.StopInput();
        await display.NoticeAsync(end == End.Shutdown
            ? $"error: the chat server at {client.Server} is shutting down"
            : $"error: the chat server at {client.Server} closed the connection").ConfigureAwait(false);
        return 1;
    }
}
