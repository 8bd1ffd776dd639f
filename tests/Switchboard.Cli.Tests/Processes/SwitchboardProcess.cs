using System.Diagnostics;
using System.Text;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Processes;

/// <summary>The real <c>switchboard</c> executable in a child process, for signals, exit codes and crashes.</summary>
public sealed class SwitchboardProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly SemaphoreSlim _line = new(0);

    private SwitchboardProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }

    public static SwitchboardProcess Start(params string[] args) => Start(unprivileged: false, args);

    /// <summary>
    /// Starts the process as an unprivileged user: as root, through <c>setpriv</c> as nobody (65534), so
    /// file permissions apply to it as they would to a normal server account.
    /// </summary>
    public static SwitchboardProcess StartUnprivileged(params string[] args) => Start(unprivileged: true, args);

    /// <summary>True when the tests run as root (uid 0), as they do in CI.</summary>
    public static bool RunningAsRoot => Environment.UserName == "root";

    private static SwitchboardProcess Start(bool unprivileged, string[] args)
    {
        var dropPrivileges = unprivileged && RunningAsRoot;
        var dll = Path.Combine(dropPrivileges ? UnprivilegedCopy.Value : AppContext.BaseDirectory, "switchboard.dll");
        var info = new ProcessStartInfo(dropPrivileges ? "setpriv" : "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (dropPrivileges)
        {
            foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet" })
            {
                info.ArgumentList.Add(a);
            }
            // The unprivileged user has no home to write the runtime's first-run files into.
            info.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
            info.Environment["HOME"] = Path.GetTempPath();
        }
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return new SwitchboardProcess(Process.Start(info)!);
    }

    /// <summary>
    /// The test output folder may sit below folders only root can enter (a clone in a 0700 temp folder),
    /// so the unprivileged server runs from a world-readable copy, made once and deleted when the tests end.
    /// </summary>
    private static readonly Lazy<string> UnprivilegedCopy = new(() =>
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("dropping privileges with setpriv is a Linux test technique");
        }
        var copy = Directory.CreateTempSubdirectory("switchboard-app-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(copy, recursive: true);
        var readable = (UnixFileMode)0b111_101_101;
        File.SetUnixFileMode(copy, readable);
        foreach (var source in Directory.EnumerateFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(AppContext.BaseDirectory, source));
            var folder = Path.GetDirectoryName(target)!;
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder, readable);
            }
            File.Copy(source, target);
            File.SetUnixFileMode(target, readable);
        }
        return copy;
    });

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (target)
        {
            target.AppendLine(line);
        }
        _line.Release();
    }

    /// <summary>Waits for a stderr line containing <paramref name="fragment"/> (e.g. "listening on").</summary>
    public async Task WaitForStderrAsync(string fragment)
    {
        var end = DateTime.UtcNow + Deadline.Default;
        while (!Stderr.Contains(fragment, StringComparison.Ordinal))
        {
            if (_process.HasExited && !Stderr.Contains(fragment, StringComparison.Ordinal))
            {
                await _process.WaitForExitAsync();
                if (!Stderr.Contains(fragment, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"process exited ({_process.ExitCode}) without printing '{fragment}'. stderr:\n{Stderr}");
                }
                return;
            }
            var left = end - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no '{fragment}' on stderr. stderr:\n{Stderr}");
            }
            await _line.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Sends SIGTERM, as a service manager would.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])!;
        await kill.WaitForExitAsync().Within();
        kill.ExitCode.ShouldBe(0, "kill -TERM failed");
    }

    /// <summary>SIGINT, as Ctrl+C at a terminal sends.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString()])!;
        await kill.WaitForExitAsync().Within();
        kill.ExitCode.ShouldBe(0, "kill -INT failed");
    }

    /// <summary>Writes <paramref name="line"/> and a newline to standard input, which stays open.</summary>
    public async Task TypeAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for a stdout line containing <paramref name="fragment"/>.</summary>
    public Task WaitForStdoutAsync(string fragment) =>
        Deadline.Until(() => Stdout.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' on stdout. stderr:\n{Stderr}");

    /// <summary>SIGKILL: no chance to flush or clean up.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().Within();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
