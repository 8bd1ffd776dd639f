using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Switchboard.Protocol;

using Switchboard.Transport;

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
    public static string Describe(Exception e) => NetworkErrors.Describe(e);
}
