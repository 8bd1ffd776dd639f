using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Echo;

/// <summary>A <see cref="BufferedServer"/> on 127.0.0.1, an OS-chosen port, serving on a background task, with its log captured.</summary>
internal sealed class EchoTestServer : IAsyncDisposable
{
    private EchoTestServer(BufferedServer server, Task run, TestLogSink logs)
    {
        Server = server;
        Run = run;
        Logs = logs;
    }

    public BufferedServer Server { get; }

    /// <summary>The running <c>Start()</c> or <c>RunAsync()</c>.</summary>
    public Task Run { get; }

    public TestLogSink Logs { get; }

    public int Port => Server.Port;

    /// <param name="blocking">Serve through the handout's blocking <c>Start()</c> on its own thread, as the grader does.</param>
    public static EchoTestServer Start(int bufferSize = 64, EchoServerOptions? options = null, bool blocking = false)
    {
        var logs = new TestLogSink();
        var server = new BufferedServer("127.0.0.1", 0, bufferSize, options, logs.CreateLogger("echo"));
        var run = blocking ? OnThread.Run(server.Start) : server.RunAsync();
        return new EchoTestServer(server, run, logs);
    }

    public BufferedClient Connect(int bufferSize = 64) => new("127.0.0.1", Port, bufferSize);

    public async ValueTask DisposeAsync()
    {
        Server.KeepRunning = false;
        await Run.Within();
        await Server.DisposeAsync();
    }
}

/// <summary>Runs blocking calls (the handout-style synchronous API) on their own threads, so they never starve the thread pool the server runs on.</summary>
internal static class OnThread
{
    public static Task<T> Run<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static Task Run(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
