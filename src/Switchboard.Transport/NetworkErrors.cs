using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Switchboard.Transport;

/// <summary>
/// The one wording of network failures in logs and errors ("connection reset by peer", "connection refused"),
/// in place of .NET's messages ("Unable to read data from the transport connection: Connection reset by peer.").
/// </summary>
public static class NetworkErrors
{
    /// <summary>Describes <paramref name="e"/> or the first socket error inside it, in lower case and without a full stop.</summary>
    public static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return Describe(socket);
            }
        }
        return e switch
        {
            ConnectionResetException => "connection reset by peer",
            ConnectionAbortedException or ObjectDisposedException => "connection aborted",
            _ => Plain(e.Message),
        };
    }

    /// <inheritdoc cref="Describe(Exception)"/>
    public static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.ConnectionAborted or SocketError.OperationAborted or SocketError.Shutdown => "connection aborted",
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound => "host not found",
        SocketError.TryAgain => "temporary resolver failure",
        SocketError.NoData => "no address for this name",
        SocketError.NetworkUnreachable or SocketError.NetworkDown => "network unreachable",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.TimedOut => "timed out",
        SocketError.AddressFamilyNotSupported => "address family not supported here",
        _ => Plain(e.Message),
    };

    private static string Plain(string message)
    {
        var text = message.TrimEnd('.');
        return text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }
}
