using System.Diagnostics;

namespace Switchboard.Tests.Shared;

/// <summary>
/// Runs a Python 3 script: the handouts are written for Python, and users point Python peers at us,
/// so interop is tested against real Python sockets. .ci/run installs python3 where it is missing;
/// a machine without it fails these tests loudly rather than skipping them.
/// </summary>
public static class PythonPeer
{
    public sealed record Result(int ExitCode, string Out, string Error);

    /// <summary>A long-running Python peer (a server) that printed its bound port as its first line.</summary>
    public sealed class Server : IAsyncDisposable
    {
        private readonly Process _process;

        private Server(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        /// <summary>Starts <paramref name="scriptFile"/> (copied beside the tests from bench/peers) with port 0.</summary>
        public static async Task<Server> StartAsync(string scriptFile)
        {
            var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "peers", scriptFile));
            info.ArgumentList.Add("0");
            var process = Start(info);
            var first = await process.StandardOutput.ReadLineAsync().Within();
            if (!int.TryParse(first, out var port))
            {
                process.Kill();
                throw new InvalidOperationException($"{scriptFile} did not print its port: '{first}' {await process.StandardError.ReadToEndAsync()}");
            }
            return new Server(process, port);
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }

    private static Process Start(ProcessStartInfo info)
    {
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        try
        {
            return Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("python3 is needed for the interop tests (apt-get install python3)", e);
        }
    }

    public static async Task<Result> RunAsync(string script, params string[] args)
    {
        var info = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using (var process = Start(info))
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().Within();
            return new Result(process.ExitCode, await stdout, await stderr);
        }
    }
}
