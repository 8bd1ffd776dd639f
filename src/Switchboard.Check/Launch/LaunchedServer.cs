using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Switchboard.Check.Core;

namespace Switchboard.Check.Launch;

/// <summary>
/// A server under test that the checker started itself (launch mode): on a free port, in a temporary working
/// folder of its own (deleted afterwards), with stdin scripted and stdout/stderr captured as they grow. Talk
/// needs this because its server's other side is a person at a keyboard; files uses it to serve known files.
/// Disposing kills the whole process tree, so no launched server outlives its run.
/// </summary>
public sealed class LaunchedServer : IAsyncDisposable
{
    /// <summary>How often a connection is retried while the server is still starting (no event says "listening").</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(50);

    private readonly Process _process;
    private readonly DirectoryInfo _folder;
    private readonly Task _pumps;
    private readonly object _stdinGate = new();
    private bool _stdinClosed;

    private LaunchedServer(Process process, DirectoryInfo folder, int port, string display)
    {
        _process = process;
        _folder = folder;
        Port = port;
        Display = display;
        _pumps = Task.WhenAll(Stdout.PumpAsync(process.StandardOutput), Stderr.PumpAsync(process.StandardError));
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>The command line actually run, for failure messages.</summary>
    public string Display { get; }

    /// <summary>The server's working folder (where files put its fixtures).</summary>
    public string Folder => _folder.FullName;

    public OutputCapture Stdout { get; } = new();

    public OutputCapture Stderr { get; } = new();

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="command"/> on a free port. <paramref name="prepare"/> fills the working folder first;
    /// <paramref name="stdin"/> is typed at once (more can be typed later with <see cref="TypeAsync"/>); stdin stays
    /// open until <see cref="CloseStdin"/> or the end, so the server's person is "still there".
    /// </summary>
    /// <exception cref="CheckFailedException">The program could not be started.</exception>
    public static async Task<LaunchedServer> StartAsync(ServerCommand command, Func<string, Task>? prepare, string? stdin, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("switchboard-check-server-");
        try
        {
            if (prepare is not null)
            {
                await prepare(folder.FullName).ConfigureAwait(false);
            }
            var port = FreePort();
            var words = command.Expand(port);
            var info = ProgramUnderTest.StartInfo(words, folder.FullName);
            var process = new Process { StartInfo = info };
            try
            {
                process.Start();
            }
            catch (Win32Exception e)
            {
                process.Dispose();
                throw new CheckFailedException($"cannot start '{words[0]}': {e.Message}");
            }
            var server = new LaunchedServer(process, folder, port, string.Join(' ', words));
            if (!string.IsNullOrEmpty(stdin))
            {
                await server.TypeAsync(stdin, ct).ConfigureAwait(false);
            }
            return server;
        }
        catch
        {
            TryDelete(folder);
            throw;
        }
    }

    /// <summary>Types <paramref name="text"/> on the server's stdin; false when the server no longer reads it.</summary>
    public async Task<bool> TypeAsync(string text, CancellationToken ct)
    {
        lock (_stdinGate)
        {
            if (_stdinClosed)
            {
                return false;
            }
        }
        try
        {
            await _process.StandardInput.WriteAsync(text.AsMemory(), ct).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Ends the server's stdin (the person at the keyboard pressed Ctrl+D).</summary>
    public void CloseStdin()
    {
        lock (_stdinGate)
        {
            if (_stdinClosed)
            {
                return;
            }
            _stdinClosed = true;
        }
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Connects, retrying while the server is still starting up (connection refused) until <paramref name="limit"/>.
    /// Retrying is the only portable readiness signal: the server's first lines are its own business.
    /// </summary>
    /// <exception cref="CheckFailedException">The server exited, or did not accept within the limit.</exception>
    public async Task<RawConnection> ConnectAsync(TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (HasExited)
            {
                throw new CheckFailedException($"the server is not running: {DescribeExit()}");
            }
            var left = limit - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new CheckFailedException($"the server did not accept a connection on port {Port} within {limit.TotalSeconds:0.#} s");
            }
            try
            {
                return await RawConnection.ConnectAsync(Host, Port, left, ct).ConfigureAwait(false);
            }
            catch (CheckFailedException) when (clock.Elapsed < limit && !HasExited)
            {
                await Task.Delay(RetryPause, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for the server to exit by itself; false when it is still running after <paramref name="limit"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan limit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>e.g. <c>exit 1, stderr "Traceback ... IndexError: index out of range"</c>.</summary>
    public string DescribeExit()
    {
        var code = HasExited ? $"it exited with code {SafeExitCode()}" : "it is still running";
        // The last line is the one that says most: a traceback's exception, an error message.
        var err = Stderr.Text.Trim();
        return err.Length == 0 ? code : $"{code}, last on stderr {ClientRun.Quote(LastLines(err, 1))}";
    }

    /// <summary>A Python traceback or an unhandled .NET exception reached the server's terminal.</summary>
    public bool PrintedTraceback
    {
        get
        {
            var all = Stdout.Text + Stderr.Text;
            return all.Contains("Traceback (most recent call last)", StringComparison.Ordinal)
                || all.Contains("Unhandled exception.", StringComparison.Ordinal);
        }
    }

    /// <summary>Ctrl+C for the server (SIGINT), as its person would stop it; false where signals cannot be sent (Windows).</summary>
    public bool Interrupt()
    {
        if (OperatingSystem.IsWindows() || HasExited)
        {
            return false;
        }
        return Posix.kill(_process.Id, Posix.SIGINT) == 0;
    }

    private static class Posix
    {
        public const int SIGINT = 2;

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int sig);
    }

    private int? SafeExitCode()
    {
        try
        {
            return _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string LastLines(string text, int count)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }

    /// <summary>A port free right now; the small race with other programs is reported as a failed start.</summary>
    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        catch (Win32Exception)
        {
            // A descendant vanished while the tree was walked.
        }
        // The tree is dead, so the pipes end; the bound guards against a descendant that escaped the kill.
        await Task.WhenAny(_pumps, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _process.Dispose();
        TryDelete(_folder);
    }

    private static void TryDelete(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the system's temp cleaner gets it.
        }
        catch (UnauthorizedAccessException)
        {
            // Made read-only by the program: same.
        }
    }
}
