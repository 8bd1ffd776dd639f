using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Switchboard.Check.Core;

/// <summary>
/// One run of the client under test: the handout's command-line arguments (<paramref name="Host"/>,
/// <paramref name="Port"/>, then <paramref name="Rest"/>, e.g. <c>alice read</c>) and what to type on stdin.
/// Host and port are strings so a case can pass a bad port on purpose.
/// </summary>
/// <paramref name="WorkingDirectory"/>: run there instead of in a fresh temporary folder, and leave it (the case filled it
/// beforehand and inspects it afterwards). <paramref name="KeepStdinOpen"/>: after typing <paramref name="Stdin"/>, keep stdin
/// open, so the program must end by itself (e.g. because the server hung up), not because its input ended.
public sealed record ClientInvocation(string Host, string Port, IReadOnlyList<string> Rest, string? Stdin = null, string? WorkingDirectory = null, bool KeepStdinOpen = false);

/// <summary>What one run of the client did.</summary>
public sealed record ClientRun(int? ExitCode, string Stdout, string Stderr, bool TimedOut, TimeSpan Elapsed)
{
    /// <summary>Stdout and stderr together, for "did it print X" checks.</summary>
    public string Output => Stdout + "\n" + Stderr;

    /// <summary>A Python traceback or an unhandled .NET/Java exception reached the user.</summary>
    public bool HasTraceback =>
        Output.Contains("Traceback (most recent call last)", StringComparison.Ordinal)
        || Output.Contains("Unhandled exception.", StringComparison.Ordinal)
        || Output.Contains("Exception in thread \"main\"", StringComparison.Ordinal);

    /// <summary>The first line of the traceback's last line (the exception), for failure messages.</summary>
    public string TracebackSummary
    {
        get
        {
            var lines = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length == 0 ? "" : Quote(lines[^1]);
        }
    }

    /// <summary>The run's own failures first (killed, traceback), then <paramref name="problem"/> (null: none).</summary>
    public CaseResult Judge(string? problem)
    {
        if (TimedOut)
        {
            return CaseResult.Fail($"the client did not end by itself: {Describe()}{(problem is null ? "" : $"; {problem}")}");
        }
        if (HasTraceback)
        {
            return CaseResult.Fail($"the client printed a traceback: {TracebackSummary}");
        }
        return problem is null ? CaseResult.Pass() : CaseResult.Fail($"{problem} (client: {Describe()})");
    }

    /// <summary>e.g. <c>exit 1 after 0.3 s, printed "error: bad magic"</c>.</summary>
    public string Describe()
    {
        var how = TimedOut ? $"still running after {ReadResult.Seconds(Elapsed)} (killed)" : $"exit {ExitCode} after {ReadResult.Seconds(Elapsed)}";
        var text = Output.Trim();
        return text.Length == 0 ? $"{how}, printed nothing" : $"{how}, printed {Quote(text)}";
    }

    /// <summary>A one-line quotation of at most 100 characters of <paramref name="text"/>.</summary>
    public static string Quote(string text)
    {
        var one = string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return '"' + (one.Length > 100 ? one[..100] + "..." : one) + '"';
    }
}

/// <summary>
/// The client command under test, as typed after <c>--</c>. Placeholders: <c>{host}</c>, <c>{port}</c> and
/// <c>{args}</c> (the rest of the handout's arguments, spliced as separate words). A command without any
/// placeholder gets <c>HOST PORT REST...</c> appended, which lets every case choose its arguments; a command
/// with <c>{host}</c>/<c>{port}</c> but no <c>{args}</c> fixes the rest (<see cref="ArgumentsFixed"/>), and cases that
/// need other arguments skip.
/// </summary>
public sealed class ClientProgram
{
    public const string HostToken = "{host}";
    public const string PortToken = "{port}";
    public const string ArgsToken = "{args}";

    /// <summary>Output kept per stream; a client printing without end is cut here rather than filling memory.</summary>
    private const int MaxOutputChars = 256 * 1024;

    private readonly IReadOnlyList<string> _template;

    /// <summary>
    /// <paramref name="command"/> as typed. Each run happens in its own temporary folder, so words naming a file or
    /// folder relative to <paramref name="baseDirectory"/> (default: the current directory), such as
    /// <c>client.py</c> or <c>./client</c>, are made absolute here, while the caller's directory is still the one meant.
    /// </summary>
    public ClientProgram(IReadOnlyList<string> command, string? baseDirectory = null)
    {
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new ArgumentException("the client command is empty", nameof(command));
        }
        var from = baseDirectory ?? Environment.CurrentDirectory;
        _template = command.Select(word => Anchor(word, from)).ToList();
        Display = string.Join(' ', command.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
    }

    private static string Anchor(string word, string from)
    {
        if (word.Length == 0 || word.Contains('{', StringComparison.Ordinal) || Path.IsPathRooted(word) || word.StartsWith('-'))
        {
            return word;
        }
        var full = Path.GetFullPath(word, from);
        return File.Exists(full) || Directory.Exists(full) ? full : word;
    }

    /// <summary>The command as given, for reports.</summary>
    public string Display { get; }

    /// <summary>The command places host and port itself but no <c>{args}</c>: cases cannot choose user, type and the like.</summary>
    public bool ArgumentsFixed =>
        !_template.Any(a => a.Contains(ArgsToken, StringComparison.Ordinal))
        && _template.Any(a => a.Contains(HostToken, StringComparison.Ordinal) || a.Contains(PortToken, StringComparison.Ordinal));

    /// <summary>The argument list for one run (the program is the first word).</summary>
    public IReadOnlyList<string> Expand(ClientInvocation run)
    {
        var hasPlaceholder = _template.Any(a => a.Contains(HostToken, StringComparison.Ordinal) || a.Contains(PortToken, StringComparison.Ordinal) || a.Contains(ArgsToken, StringComparison.Ordinal));
        var words = new List<string>();
        foreach (var word in _template)
        {
            if (word == ArgsToken)
            {
                words.AddRange(run.Rest);
                continue;
            }
            words.Add(word.Replace(HostToken, run.Host, StringComparison.Ordinal).Replace(PortToken, run.Port, StringComparison.Ordinal));
        }
        if (!hasPlaceholder)
        {
            words.Add(run.Host);
            words.Add(run.Port);
            words.AddRange(run.Rest);
        }
        return words;
    }

    /// <summary>A reason the command cannot run at all (program not found), or null. Checked once before any case.</summary>
    public string? FindProblem()
    {
        var program = _template[0];
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? null : $"client program '{program}' does not exist";
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, program)))
            ? null
            : $"client program '{program}' is not on the PATH";
    }

    /// <summary>
    /// Runs the client once in its own temporary working folder (deleted afterwards), types
    /// <see cref="ClientInvocation.Stdin"/> and closes stdin, and captures its output. At <paramref name="limit"/>
    /// (or cancellation) the whole process tree is killed, so no run outlives its case.
    /// </summary>
    /// <exception cref="CheckFailedException">The program could not be started.</exception>
    public async Task<ClientRun> RunAsync(ClientInvocation run, TimeSpan limit, CancellationToken ct)
    {
        var words = Expand(run);
        var folder = run.WorkingDirectory is { } given ? new DirectoryInfo(given) : Directory.CreateTempSubdirectory("switchboard-check-");
        try
        {
            var info = ProgramUnderTest.StartInfo(words, folder.FullName);
            return await RunProcessAsync(info, run.Stdin, run.KeepStdinOpen, limit, ct).ConfigureAwait(false);
        }
        finally
        {
            if (run.WorkingDirectory is null)
            {
                TryDelete(folder);
            }
        }
    }

    private static async Task<ClientRun> RunProcessAsync(ProcessStartInfo info, string? stdin, bool keepStdinOpen, TimeSpan limit, CancellationToken ct)
    {
        using var process = new Process { StartInfo = info };
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new CheckFailedException($"cannot start '{info.FileName}': {e.Message}");
        }
        var stdout = CaptureAsync(process.StandardOutput);
        var stderr = CaptureAsync(process.StandardError);
        var typing = TypeAsync(process.StandardInput, stdin, keepStdinOpen);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
        }
        finally
        {
            KillTree(process);
        }
        var elapsed = clock.Elapsed;
        await typing.ConfigureAwait(false);
        // The tree is dead, so the pipes reach end-of-stream; the bound guards against a descendant that escaped the kill.
        var output = Task.WhenAll(stdout, stderr);
        await Task.WhenAny(output, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
        var outText = stdout.IsCompletedSuccessfully ? await stdout.ConfigureAwait(false) : "";
        var errText = stderr.IsCompletedSuccessfully ? await stderr.ConfigureAwait(false) : "";
        ct.ThrowIfCancellationRequested();
        return new ClientRun(timedOut ? null : process.ExitCode, outText, errText, timedOut, elapsed);
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        catch (Win32Exception)
        {
            // Exited, or a descendant vanished while the tree was walked.
        }
    }

    private static async Task TypeAsync(StreamWriter input, string? text, bool keepOpen)
    {
        try
        {
            if (!string.IsNullOrEmpty(text))
            {
                await input.WriteAsync(text).ConfigureAwait(false);
                await input.FlushAsync().ConfigureAwait(false);
            }
            if (!keepOpen)
            {
                input.Close();
            }
        }
        catch (IOException)
        {
            // The client exited (or never reads stdin): a broken pipe is its business, not a checker error.
        }
    }

    private static async Task<string> CaptureAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            if (text.Length < MaxOutputChars)
            {
                text.Append(buffer, 0, Math.Min(n, MaxOutputChars - text.Length));
            }
        }
        return text.ToString();
    }

    private static void TryDelete(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: leave the temp folder to the system's cleaner.
        }
        catch (UnauthorizedAccessException)
        {
            // The client made something read-only: same.
        }
    }
}
