using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Switchboard.Transport.Hosting;

/// <summary>One service endpoint: which address and port, and the connection pipeline to run on it.</summary>
/// <param name="Service">Short service name (<c>mailbox</c>), used in logs and as the endpoint's key.</param>
/// <param name="Address">Address to bind; <c>null</c> for all interfaces (dual-stack).</param>
/// <param name="Port">Port; 0 lets the OS choose (tests).</param>
/// <param name="Configure">Adds the service's handler, e.g. <c>b =&gt; b.UseConnectionHandler&lt;MailboxServer&gt;()</c>.</param>
public sealed record ListenSpec(string Service, IPAddress? Address, int Port, Action<IConnectionBuilder> Configure);
