using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Talk;

/// <summary>How <see cref="TalkServer.RunAsync"/> ended; both are clean shutdowns.</summary>
public enum TalkServerEnd
{
    /// <summary>Cancelled (Ctrl+C, SIGTERM).</summary>
    Stopped,

    /// <summary>The server user's standard input ended, so nobody is left to answer callers.</summary>
    EndOfInput,
}

/// <summary>
/// <c>switchboard talk server PORT</c> (handout 003): one conversation at a time between a caller and the
/// person at this server's keyboard, lock-step. Callers arriving meanwhile are told the line is busy.
/// Start with <see cref="StartAsync"/> (tests, port 0) or serve until stopped with <see cref="RunAsync"/>.
/// </summary>
public sealed class TalkServer : IAsyncDisposable
{
    public const string ServiceName = "talk";

    /// <summary>Room in the connection's read buffer beyond the longest line: its line ending and the next read.</summary>
    private const int ReadBufferSlack = 64 * 1024;

    private readonly TcpServerHost _host;
    private readonly TalkLine _line;
    private int _stopped;

    private TalkServer(TcpServerHost host, TalkLine line)
    {
        _host = host;
        _line = line;
    }

    /// <summary>The bound port (the OS's choice when the options said 0).</summary>
    public int Port => _line.Port;

    /// <summary>Completes when the server's standard input has ended; the server should then be stopped.</summary>
    public Task InputEnded => _line.InputEnded;

    /// <summary>Starts listening; fails with <see cref="ServerStartException"/> when the port cannot be bound.</summary>
    /// <param name="configureLogging">Log providers for connection events; null for none.</param>
    public static async Task<TalkServer> StartAsync(
        TalkServerOptions options, ITalkUser user, Action<ILoggingBuilder>? configureLogging, CancellationToken cancellationToken)
    {
        options.Validated();
        var line = new TalkLine(options, user);
        var hostOptions = new ServerHostOptions
        {
            MaxConnections = options.MaxConnections,
            // Kestrel stops reading a connection whose unconsumed bytes reach this size, so a whole line must fit.
            MaxReadBufferSize = options.MaxLineBytes + ReadBufferSlack,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        };
        var host = await TcpServerHost.StartAsync(
            [new ListenSpec(ServiceName, options.Bind, options.Port, b => b.UseConnectionHandler<TalkConnectionHandler>())],
            hostOptions,
            services => services.AddSingleton(line),
            configureLogging,
            cancellationToken).ConfigureAwait(false);
        line.Port = host.PortOf(ServiceName);
        var where = options.Bind is null ? "all interfaces" : options.Bind.ToString();
        await user.ShowNoticeAsync($"listening on port {line.Port} ({where}); waiting for a caller (Ctrl+C to stop)").ConfigureAwait(false);
        line.WatchInputWhileIdle();
        return new TalkServer(host, line);
    }

    /// <summary>Serves until <paramref name="cancellationToken"/> fires or standard input ends, then shuts down.</summary>
    public static async Task<TalkServerEnd> RunAsync(
        TalkServerOptions options, ITalkUser user, Action<ILoggingBuilder>? configureLogging, CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(options, user, configureLogging, cancellationToken).ConfigureAwait(false);
        var end = TalkServerEnd.EndOfInput;
        try
        {
            await server.InputEnded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            end = TalkServerEnd.Stopped;
        }
        await server.StopAsync().ConfigureAwait(false);
        return end;
    }

    /// <summary>Stops accepting, hangs up on the caller, and releases the port.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        await _line.User.ShowNoticeAsync("shutting down").ConfigureAwait(false);
        await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _line.User.ShowNoticeAsync("stopped").ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
    }
}
