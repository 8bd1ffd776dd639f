using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Bench;

/// <summary>A server under test in its own process: ours (switchboard.dll) or a peer (python3 script).</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts <c>switchboard ARGS</c>; <paramref name="args"/> gets the port through <c>{port}</c>.</summary>
    public static Task<ServerProcess> StartSwitchboardAsync(params string[] args) => StartDotnetAsync("switchboard.dll", args);

    /// <summary>Starts this bench program in a server mode, e.g. <c>connection-floor serve-raw {port}</c>.</summary>
    public static Task<ServerProcess> StartBenchAsync(params string[] args) => StartDotnetAsync("Switchboard.Bench.dll", args);

    private static async Task<ServerProcess> StartDotnetAsync(string dll, string[] args)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a.Replace("{port}", port.ToString()));
        }
        var process = Process.Start(info)!;
        // Drain stderr so the server never blocks on a full pipe; keep it for the error message.
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new ServerProcess(process, port);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        process.Kill();
        throw new InvalidOperationException($"{dll} {string.Join(' ', args)} did not start listening: {await stderr}");
    }

    /// <summary>Starts a Python peer from bench/peers that prints its port first; null when python3 is missing.</summary>
    public static async Task<ServerProcess?> StartPythonAsync(string script)
    {
        try
        {
            var info = new ProcessStartInfo("python3", [Path.Combine(AppContext.BaseDirectory, "peers", script), "0"]) { RedirectStandardOutput = true, UseShellExecute = false };
            var process = Process.Start(info)!;
            var line = await process.StandardOutput.ReadLineAsync();
            return new ServerProcess(process, int.Parse(line!));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        return port is >= 1024 and <= 64000 ? port : FreePort();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
