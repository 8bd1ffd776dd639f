using Switchboard.Services.Echo;

namespace Switchboard.Cli.Terminal;

/// <summary><c>switchboard echo client</c>: each line of input is sent as one message and each reply printed as one line of output.</summary>
public static class EchoConsoleClient
{
    /// <summary>Runs until the input ends. Lock-step: each reply is awaited before the next line is read, as a person typing expects.</summary>
    /// <returns>The number of messages exchanged.</returns>
    /// <exception cref="Transport.Client.ConnectFailedException">The server cannot be reached.</exception>
    /// <exception cref="EchoExchangeException">The server went away or answered with something malformed.</exception>
    public static async Task<long> RunAsync(string host, int port, int bufferSize, ConsoleStreams console, CancellationToken cancellationToken)
    {
        await using var client = await BufferedClient.ConnectAsync(host, port, bufferSize, cancellationToken).ConfigureAwait(false);
        if (console.InIsTerminal)
        {
            await console.Error.WriteLineAsync($"connected to {host} port {port}; each line is one message (end input with Ctrl+D)").ConfigureAwait(false);
        }
        long exchanged = 0;
        while (await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            try
            {
                await client.SendMessageAsync(line, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                throw new EchoExchangeException($"input line {exchanged + 1} cannot be sent: {e.Message}");
            }
            var (reply, ok) = await client.ReceiveMessageAsync(cancellationToken).ConfigureAwait(false);
            if (!ok)
            {
                throw new EchoExchangeException($"{client.LastError} ({host} port {port}, after {exchanged} replies)");
            }
            await console.Out.WriteLineAsync(reply).ConfigureAwait(false);
            exchanged++;
        }
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        return exchanged;
    }
}
