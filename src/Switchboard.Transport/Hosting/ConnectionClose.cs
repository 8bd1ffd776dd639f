using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Switchboard.Transport.Hosting;

/// <summary>
/// How a connection ends. Kestrel always shuts a socket down with a FIN before disposing it, even on
/// <c>Abort</c>, so a peer cannot tell "done" from "failed". Where the protocol's only acknowledgement
/// is a clean close, a failure must instead reset the connection: <see cref="Reset"/> disposes the
/// socket with <c>SO_LINGER</c> 0 (an RST, no FIN) before Kestrel closes it, and
/// <see cref="Acknowledge"/> switches lingering off so Kestrel's final close is a graceful FIN that
/// delivers whatever was written.
/// </summary>
public static class ConnectionClose
{
    private static readonly LingerOption Abortive = new(true, 0);
    private static readonly LingerOption Graceful = new(false, 0);

    /// <summary>True when the connection's endpoint resets it unless <see cref="Acknowledge"/> is called.</summary>
    public static bool IsAbortive(ConnectionContext connection) =>
        connection.Features.Get<CloseState>() is { Abortive: true };

    /// <summary>True once <see cref="Acknowledge"/> was called on an abortive endpoint's connection.</summary>
    public static bool IsAcknowledged(ConnectionContext connection) =>
        connection.Features.Get<CloseState>() is { Acknowledged: true };

    /// <summary>
    /// The exchange succeeded: the connection will end with a normal close (FIN after any response).
    /// Call it only once the outcome is durable (a create committed, a read's messages deleted).
    /// </summary>
    public static void Acknowledge(ConnectionContext connection)
    {
        var state = connection.Features.Get<CloseState>();
        if (state is not { Abortive: true } || state.Acknowledged)
        {
            return;
        }
        if (SocketOf(connection) is { } socket)
        {
            try
            {
                socket.LingerState = Graceful;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The peer is gone already; there is nothing left to acknowledge to.
                return;
            }
        }
        state.Acknowledged = true;
    }

    /// <summary>Ends the connection with an RST now; anything unsent is discarded. Safe to call more than once.</summary>
    public static void Reset(ConnectionContext connection)
    {
        if (SocketOf(connection) is not { } socket)
        {
            connection.Abort();
            return;
        }
        try
        {
            socket.LingerState = Abortive;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed already: disposing below is all that is left to do.
        }
        socket.Dispose();
    }

    /// <summary>Marks a new connection's close policy (the host does this before any handler runs).</summary>
    internal static void Begin(ConnectionContext connection, bool abortive, bool clearInheritedLinger)
    {
        if (abortive)
        {
            connection.Features.Set(new CloseState { Abortive = true });
        }
        else if (clearInheritedLinger && SocketOf(connection) is { } socket)
        {
            // Another endpoint of this host shares the listening address with port 0 and asked for
            // linger 0; this one did not, so its connections must not inherit it.
            try
            {
                socket.LingerState = Graceful;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Gone already; the handler will see that on its first read.
            }
        }
    }

    /// <summary>Arms a listening socket so every connection it accepts starts with linger 0 (Linux copies it on accept).</summary>
    internal static void ArmListener(Socket listener) => listener.LingerState = Abortive;

    private static Socket? SocketOf(ConnectionContext connection) => connection.Features.Get<IConnectionSocketFeature>()?.Socket;

    private sealed class CloseState
    {
        public bool Abortive { get; init; }

        public bool Acknowledged { get; set; }
    }
}
