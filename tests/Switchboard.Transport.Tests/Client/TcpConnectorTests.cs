using System.Net;
using System.Net.Sockets;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Client;
using Switchboard.Transport.Hosting;

namespace Switchboard.Transport.Tests.Client;

public sealed class TcpConnectorTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("[::1]", "::1")]
    public async Task Literals_are_used_as_they_are(string host, string expected)
    {
        (await TcpConnector.ResolveAsync(host, default)).ShouldBe([IPAddress.Parse(expected)]);
    }

    [Fact]
    public async Task Names_go_through_the_system_resolver()
    {
        (await TcpConnector.ResolveAsync("localhost", default)).ShouldContain(a => IPAddress.IsLoopback(a));
    }

    [Theory]
    [InlineData("", "the host is empty")]
    [InlineData("no-such-host.invalid", "cannot resolve host 'no-such-host.invalid'")]
    [InlineData("999.1.1.1", "cannot resolve host '999.1.1.1'")]
    public async Task Unresolvable_hosts_are_clear_errors(string host, string message)
    {
        (await Should.ThrowAsync<ConnectFailedException>(() => TcpConnector.ResolveAsync(host, default))).Message.ShouldContain(message);
    }

    [Fact]
    public async Task Connects_to_a_listener_and_reports_refusals_per_address()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using (var socket = await TcpConnector.ConnectAsync("127.0.0.1", port, TimeSpan.FromSeconds(2), default).Within())
        {
            socket.Connected.ShouldBeTrue();
            socket.NoDelay.ShouldBeTrue();
        }
        listener.Stop();
        var error = await Should.ThrowAsync<ConnectFailedException>(() => TcpConnector.ConnectAsync("127.0.0.1", port, TimeSpan.FromSeconds(2), default));
        error.Message.ShouldBe($"cannot connect to 127.0.0.1 port {port}: connection refused");
    }

    [Theory]
    [InlineData("*", null)]
    [InlineData("", null)]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("::", "::")]
    [InlineData("[::1]", "::1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    public void Bind_addresses_parse(string text, string? expected)
    {
        BindAddress.TryParse(text, out var address, out _).ShouldBeTrue();
        address?.ToString().ShouldBe(expected);
        (address is null).ShouldBe(expected is null);
    }

    [Fact]
    public void A_bind_host_name_is_refused_with_the_value()
    {
        BindAddress.TryParse("example.com", out _, out var error).ShouldBeFalse();
        error.ShouldContain("'example.com'");
    }
}
