using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Switchboard.Transport.Tests;

public sealed class NetworkErrorsTests
{
    [Fact]
    public void A_reset_inside_dotnets_transport_error_is_named_plainly()
    {
        var e = new IOException("Unable to read data from the transport connection: Connection reset by peer.",
            new SocketException((int)SocketError.ConnectionReset));
        NetworkErrors.Describe(e).ShouldBe("connection reset by peer");
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, "connection refused")]
    [InlineData(SocketError.HostNotFound, "host not found")]
    [InlineData(SocketError.ConnectionAborted, "connection aborted")]
    public void Socket_errors_have_one_wording(SocketError code, string expected) =>
        NetworkErrors.Describe(new SocketException((int)code)).ShouldBe(expected);

    [Fact]
    public void Kestrels_own_exceptions_and_other_messages_read_as_log_text()
    {
        NetworkErrors.Describe(new ConnectionResetException("Connection reset by peer")).ShouldBe("connection reset by peer");
        NetworkErrors.Describe(new IOException("Broken pipe.")).ShouldBe("broken pipe");
    }
}
