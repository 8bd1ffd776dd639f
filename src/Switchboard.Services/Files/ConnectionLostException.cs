using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Switchboard.Protocol;

namespace Switchboard.Services.Files;

/// <summary>
/// The peer went away (reset, closed, or the connection was aborted) while bytes were still to move:
/// an expected failure, logged as one line with the metric reason <c>network</c>.
/// </summary>
public sealed class ConnectionLostException(string message, Exception? inner = null) : SwitchboardException(message, inner)
{
    public override string Reason => "network";

    /// <summary>True for the exceptions a socket, stream or Kestrel pipe throws when the connection is gone.</summary>
    public static bool IsNetworkFailure(Exception e) =>
        e is SocketException or IOException or ObjectDisposedException or ConnectionAbortedException;

    /// <summary>Short wording for why the connection went: <c>connection reset by peer</c>, not .NET's "Unable to read data from the transport connection: ...".</summary>
    public static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionReset => "connection reset by peer",
                    SocketError.ConnectionAborted or SocketError.OperationAborted or SocketError.Shutdown => "connection aborted",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.NetworkUnreachable or SocketError.NetworkDown => "network unreachable",
                    SocketError.HostUnreachable => "host unreachable",
                    _ => socket.Message,
                };
            }
        }
        return e switch
        {
            ConnectionResetException => "connection reset by peer",
            ConnectionAbortedException or ObjectDisposedException => "connection aborted",
            _ => e.Message,
        };
    }
}
