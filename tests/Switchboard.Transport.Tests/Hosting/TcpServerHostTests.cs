using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Transport.Tests.Hosting;

public sealed class TcpServerHostTests
{
    /// <summary>Echoes whatever arrives until the peer half-closes.</summary>
    private sealed class EchoHandler(ILoggerFactory logs, SwitchboardMetrics metrics)
        : ServiceConnectionHandler("test-echo", logs.CreateLogger("test-echo"), metrics)
    {
        protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
        {
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    await connection.Transport.Output.WriteAsync(segment);
                }
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    private static Task<TcpServerHost> StartEchoAsync(IPAddress? address, TestLogSink logs) => TcpServerHost.StartAsync(
        [new ListenSpec("test-echo", address, 0, b => b.UseConnectionHandler<EchoHandler>())],
        ServerHostOptions.Default,
        configureServices: null,
        configureLogging: l => l.AddProvider(logs),
        CancellationToken.None);

    [Fact]
    public async Task Port_zero_reports_the_bound_port_and_serves_on_it()
    {
        var logs = new TestLogSink();
        await using var host = await StartEchoAsync(IPAddress.Loopback, logs);
        var port = host.PortOf("test-echo");
        port.ShouldBeGreaterThan(0);

        await using var client = await RawTcp.ConnectAsync(port);
        await client.SendAsync("hello"u8.ToArray());
        client.ShutdownSend();
        (await client.ReadToEndAsync()).ShouldBe("hello"u8.ToArray());
        await logs.WaitForAsync("accepted 127.0.0.1:");
    }

    [Fact]
    public async Task All_interfaces_accepts_ipv4_and_ipv6_clients()
    {
        var logs = new TestLogSink();
        await using var host = await StartEchoAsync(null, logs);
        var port = host.PortOf("test-echo");

        await using var v4 = await RawTcp.ConnectAsync(port, IPAddress.Loopback);
        await v4.SendAsync("4"u8.ToArray());
        v4.ShutdownSend();
        (await v4.ReadToEndAsync()).ShouldBe("4"u8.ToArray());
        // IPv4 clients of the dual-stack socket are logged as plain IPv4, not ::ffff:127.0.0.1.
        await logs.WaitForAsync("accepted 127.0.0.1:");

        if (Socket.OSSupportsIPv6)
        {
            using var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            await v6.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, port)).Within();
            v6.Connected.ShouldBeTrue();
        }
    }

    [Fact]
    public async Task A_port_in_use_is_a_clear_start_error()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;

        var error = await Should.ThrowAsync<ServerStartException>(() => TcpServerHost.StartAsync(
            [new ListenSpec("test-echo", IPAddress.Loopback, port, b => b.UseConnectionHandler<EchoHandler>())],
            ServerHostOptions.Default, null, null, CancellationToken.None));
        error.Message.ShouldContain($"port {port}");
        error.Message.ShouldContain("address already in use");
    }
}
