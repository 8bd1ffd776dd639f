using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol.Files;
using Switchboard.Services.Files;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Files;

/// <summary>A files server on 127.0.0.1 with an ephemeral port, serving <see cref="Root"/>, inside a folder that also holds a file outside the root.</summary>
internal sealed class FilesServerFixture : IAsyncDisposable
{
    private readonly TempDir _outer;
    private TcpServerHost? _host;

    private FilesServerFixture(TempDir outer)
    {
        _outer = outer;
        Directory.CreateDirectory(outer["root"]);
        Root = outer["root"];
        Secret = outer.Write("secret.txt", "top secret, outside the root"u8.ToArray());
    }

    /// <summary>The served folder.</summary>
    public string Root { get; }

    /// <summary>A file beside the root: never to be served.</summary>
    public string Secret { get; }

    public TestLogSink Logs { get; } = new();

    public int Port => _host!.PortOf(FilesEndpoint.Service);

    /// <summary>The running host, for its services (metrics) and for stopping it mid-transfer.</summary>
    public TcpServerHost Host => _host!;

    /// <summary>Log lines at error level: an unexpected failure (a bug), never a peer's doing.</summary>
    public string[] Errors => Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("internal error", StringComparison.Ordinal)).ToArray();

    /// <summary>A sparse file of <paramref name="length"/> zero bytes: big enough that a transfer is still running when the test acts.</summary>
    public string WriteSparse(string relative, long length)
    {
        var full = Path.Join(Root, relative);
        using var file = new FileStream(full, FileMode.CreateNew);
        file.SetLength(length);
        return full;
    }

    /// <param name="configure">Adjusts the server's options beyond the common knobs (chunk sizes, hard links).</param>
    /// <param name="shutdownTimeout">How long a stop waits for open transfers before aborting them.</param>
    public static async Task<FilesServerFixture> StartAsync(
        bool zeroCopy = true, TimeSpan? gap = null, TimeSpan? requestTimeout = null,
        Func<FilesServerOptions, FilesServerOptions>? configure = null, TimeSpan? shutdownTimeout = null)
    {
        var fixture = new FilesServerFixture(new TempDir());
        var options = new FilesServerOptions(FilesRoot.Open(fixture.Root))
        {
            ZeroCopy = zeroCopy,
            Limits = new TransportLimits
            {
                GapTimeout = gap ?? TimeSpan.FromSeconds(1),
                RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
            },
        };
        options = configure?.Invoke(options) ?? options;
        fixture._host = await TcpServerHost.StartAsync(
            [FilesEndpoint.At(IPAddress.Loopback, 0)],
            ServerHostOptions.Default with { ShutdownTimeout = shutdownTimeout ?? ServerHostOptions.Default.ShutdownTimeout },
            services => FilesEndpoint.Register(services, options),
            logging => logging.AddProvider(fixture.Logs).SetMinimumLevel(LogLevel.Debug),
            CancellationToken.None);
        return fixture;
    }

    public string Write(string relative, byte[] bytes)
    {
        var full = Path.Join(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    /// <summary>Sends one request and reads everything until the server closes.</summary>
    public async Task<Response> RequestAsync(byte[] request)
    {
        await using var client = await RawTcp.ConnectAsync(Port);
        await client.SendAsync(request);
        return new Response(await client.ReadToEndAsync());
    }

    public Task<Response> RequestAsync(string name) => RequestAsync(FileRequestCodec.Encode(FileRequest.For(name)));

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        _outer.Dispose();
    }

    /// <summary>Everything a server sent on one connection.</summary>
    public sealed record Response(byte[] Bytes)
    {
        public byte Status => Bytes[3];

        public uint DataLength => BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan(4));

        public byte[] Data => Bytes[8..];

        /// <summary>Asserts a well-formed status-1 response carrying exactly <paramref name="content"/>.</summary>
        public void ShouldCarry(byte[] content)
        {
            Bytes.Length.ShouldBe(8 + content.Length);
            Bytes[..4].ShouldBe(new byte[] { 0x49, 0x7E, 0x02, 0x01 });
            DataLength.ShouldBe((uint)content.Length);
            Data.AsSpan().SequenceEqual(content).ShouldBeTrue("file bytes differ");
        }

        public void ShouldBeNotFound() => Bytes.ShouldBe(new byte[] { 0x49, 0x7E, 0x02, 0x00, 0, 0, 0, 0 });
    }
}
