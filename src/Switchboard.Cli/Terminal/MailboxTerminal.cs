using System.Text;
using Switchboard.Services.Mailbox;

namespace Switchboard.Cli.Terminal;

/// <summary>
/// The mailbox client's terminal side: asks for the receiver and message (on stderr, re-asking on invalid
/// input; without prompts when stdin is not a terminal, so piped runs print only results), prints each
/// message read as one <c>SENDER: TEXT</c> line on stdout and notices on stderr.
/// </summary>
public sealed class MailboxTerminal(ConsoleStreams console, MailboxClient client)
{
    /// <summary>Prompts for a receiver and message, sends them, and reports the server's confirmation.</summary>
    public async Task CreateAsync(string host, int port, string user, CancellationToken cancellationToken)
    {
        MailboxClient.ValidateUser(user);
        var receiver = await AskAsync("Receiver name: ", "receiver name", MailboxClient.ReceiverProblem, cancellationToken).ConfigureAwait(false);
        var message = await AskAsync("Message: ", "message", MailboxClient.MessageProblem, cancellationToken).ConfigureAwait(false);
        await client.CreateAsync(host, port, user, receiver, message, cancellationToken).ConfigureAwait(false);
        await console.Error.WriteLineAsync($"sent a message for '{receiver}' ({Encoding.UTF8.GetByteCount(message)} bytes) to {host} port {port}; the server stored it").ConfigureAwait(false);
    }

    /// <summary>Reads the user's messages, printing each as it arrives; returns how many.</summary>
    public async Task<int> ReadAsync(string host, int port, string user, CancellationToken cancellationToken)
    {
        MailboxReadResult result;
        try
        {
            result = await client.ReadAsync(host, port, user, m => new ValueTask(console.Out.WriteLineAsync($"{m.Sender}: {m.Text}")), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        if (result.Count == 0)
        {
            await console.Error.WriteLineAsync($"no messages for '{user}'").ConfigureAwait(false);
        }
        if (result.MoreWaiting)
        {
            await console.Error.WriteLineAsync($"more messages are waiting for '{user}': read again to get them").ConfigureAwait(false);
        }
        return result.Count;
    }

    /// <summary>Asks until <paramref name="problem"/> finds nothing wrong; end of input is an error, never an endless loop.</summary>
    private async Task<string> AskAsync(string prompt, string what, Func<string, string?> problem, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (console.InIsTerminal)
            {
                await console.Error.WriteAsync(prompt).ConfigureAwait(false);
                await console.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            var line = await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new MailboxInputException($"input ended before a valid {what} was entered");
            if (problem(line) is not { } wrong)
            {
                return line;
            }
            await console.Error.WriteLineAsync($"{wrong}; try again").ConfigureAwait(false);
        }
    }
}
