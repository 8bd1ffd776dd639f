using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Switchboard.Check.Core;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Check.Mailbox;

/// <summary>One run of the client under test against a scripted mailbox server, and what the server saw.</summary>
internal sealed record ScriptedRun(ClientRun Run, IReadOnlyList<byte[]> Requests, int Port = 0)
{
    public int Connections => Requests.Count;
}

/// <summary>Runs the mailbox client under test against scripted answers, and the judgements every client case shares.</summary>
internal static class MailboxClientProbe
{
    /// <summary>What the scripted server does once it has read the client's request.</summary>
    public delegate Task Answer(RawConnection connection, byte[] request, CancellationToken ct);

    public const string SkipFixed = "the client command fixes its arguments ({host}/{port} without {args}); give the program alone, e.g. '-- python3 client.py', to run this case";

    /// <summary>Answers with <paramref name="bytes"/>, then closes cleanly.</summary>
    public static Answer Send(byte[] bytes) => async (c, _, ct) => await c.SendAsync(bytes, ct).ConfigureAwait(false);

    /// <summary>Closes cleanly at once (a create's acknowledgement).</summary>
    public static Answer CloseAtOnce { get; } = (_, _, _) => Task.CompletedTask;

    /// <summary>
    /// Starts a scripted server, runs the client with <c>127.0.0.1 PORT</c> and <paramref name="rest"/>, and returns
    /// the run and each connection's request bytes. The server reads one request (header and announced body) per
    /// connection before calling <paramref name="answer"/>.
    /// </summary>
    public static async Task<ScriptedRun> RunAsync(CaseContext ctx, IReadOnlyList<string> rest, Answer answer, CancellationToken ct, string? stdin = null)
    {
        var server = ScriptedServer.Start(async (c, stop) =>
        {
            var request = await ReadRequestAsync(c, ctx.Timeout, stop).ConfigureAwait(false);
            await answer(c, request, stop).ConfigureAwait(false);
        });
        var port = server.Port;
        ClientRun run;
        try
        {
            run = await ctx.RunClientAsync(new ClientInvocation(server.Host, port.ToString(System.Globalization.CultureInfo.InvariantCulture), rest, stdin), ct).ConfigureAwait(false);
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
        return new ScriptedRun(run, server.Connections.Select(c => c.Seen).ToList(), port);
    }

    /// <summary>Runs the client where it must fail before connecting, with a listener on <paramref name="port"/> (when free) to notice if it connects anyway.</summary>
    public static async Task<ScriptedRun> RunWithoutServerAsync(CaseContext ctx, string host, string port, IReadOnlyList<string> rest, CancellationToken ct, int? listenOn = null)
    {
        var server = listenOn is { } p ? ScriptedServer.TryStartOn(p, (_, _) => Task.CompletedTask) : null;
        ClientRun run;
        try
        {
            run = await ctx.RunClientAsync(new ClientInvocation(host, port, rest), ct).ConfigureAwait(false);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
        return new ScriptedRun(run, server?.Connections.Select(c => c.Seen).ToList() ?? []);
    }

    /// <summary>A port where nothing listens (a listener's port, closed again).</summary>
    public static int ClosedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Reads the 7-byte header and the body it announces (or what arrives before a close or the limit).</summary>
    public static async Task<byte[]> ReadRequestAsync(RawConnection c, TimeSpan limit, CancellationToken ct)
    {
        var header = await c.ReadAsync(MailboxWire.RequestHeaderSize, limit, ct).ConfigureAwait(false);
        if (header.End != ReadEnd.Complete)
        {
            return header.Bytes;
        }
        var body = header.Bytes[3] + header.Bytes[4] + BinaryPrimitives.ReadUInt16BigEndian(header.Bytes.AsSpan(5));
        var rest = await c.ReadAsync(body, limit, ct).ConfigureAwait(false);
        return [.. header.Bytes, .. rest.Bytes];
    }

    /// <summary>
    /// The judgements every run shares: it ended by itself within the case's bound, and no traceback reached the user.
    /// Null when both hold; else the failure.
    /// </summary>
    public static CaseResult? Misbehaved(ClientRun run, string situation)
    {
        if (run.TimedOut)
        {
            return CaseResult.Fail($"{situation}: {run.Describe()}");
        }
        if (run.HasTraceback)
        {
            return CaseResult.Fail($"{situation}: printed a traceback instead of an error message ({run.TracebackSummary})");
        }
        return null;
    }

    /// <summary>A client that met a fault must say so (an empty output is no "appropriate error message").</summary>
    public static CaseResult ReportedError(ClientRun run, string situation)
    {
        if (Misbehaved(run, situation) is { } bad)
        {
            return bad;
        }
        return run.Output.Trim().Length == 0
            ? CaseResult.Fail($"{situation}: the client printed nothing (exit {run.ExitCode}); expected an error message")
            : CaseResult.Pass($"exit {run.ExitCode}: {ClientRun.Quote(run.Output.Trim())}");
    }

    /// <summary>The request the client sent, compared byte for byte with <paramref name="expected"/>.</summary>
    public static CaseResult? RequestMismatch(ScriptedRun run, byte[] expected, string what)
    {
        if (run.Connections == 0)
        {
            return CaseResult.Fail($"{what}: the client never connected ({run.Run.Describe()})");
        }
        var sent = run.Requests[0];
        if (!sent.AsSpan().SequenceEqual(expected))
        {
            var at = FirstDifference(sent, expected);
            return CaseResult.Fail($"{what}: expected {Hex.Preview(expected, 24)} ({expected.Length} bytes), got {Hex.Preview(sent, 24)} ({sent.Length} bytes), first difference at byte {at}");
        }
        return null;
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }
        return n;
    }
}
