using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;

namespace Switchboard.Transport.Hosting;

/// <summary>One service endpoint: which address and port, and the connection pipeline to run on it.</summary>
/// <param name="Service">Short service name (<c>mailbox</c>), used in logs and as the endpoint's key.</param>
/// <param name="Address">Address to bind; <c>null</c> for all interfaces (dual-stack).</param>
/// <param name="Port">Port; 0 lets the OS choose (tests).</param>
/// <param name="Configure">Adds the service's handler, e.g. <c>b =&gt; b.UseConnectionHandler&lt;MailboxServer&gt;()</c>.</param>
public sealed record ListenSpec(string Service, IPAddress? Address, int Port, Action<IConnectionBuilder> Configure)
{
    /// <summary>
    /// For protocols whose only acknowledgement is a clean close (mailbox create): every connection starts
    /// with <c>SO_LINGER</c> 0 (armed on the listening socket, so even a crash resets it) and ends with a
    /// reset unless the handler called <see cref="ConnectionClose.Acknowledge"/>.
    /// </summary>
    public bool AbortiveUntilAcknowledged { get; init; }

    /// <summary>Connections served at once on this endpoint; more are refused. <c>null</c>: <see cref="ServerHostOptions.MaxConnections"/>.</summary>
    public long? MaxConnections { get; init; }

    /// <summary>
    /// Serves HTTP/1.1 (pages, WebSocket upgrades) on this endpoint through this request pipeline instead of a raw
    /// connection handler; <see cref="Configure"/> then adds nothing. <c>null</c>: raw TCP.
    /// </summary>
    public Action<IApplicationBuilder>? Http { get; init; }
}
