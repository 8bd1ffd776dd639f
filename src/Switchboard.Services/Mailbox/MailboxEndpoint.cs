using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Mailbox;

/// <summary>Puts a <see cref="MailboxServer"/> into a <see cref="TcpServerHost"/> (alone, or beside other services in <c>up</c>).</summary>
public static class MailboxEndpoint
{
    /// <param name="maxConnections">This endpoint's limit; <c>null</c> for the host's default.</param>
    public static ListenSpec At(IPAddress? bind, int port, long? maxConnections = null) =>
        new(MailboxServer.ServiceName, bind, port, b => b.UseConnectionHandler<MailboxServer>())
        {
            // A clean close is the protocol's "stored": anything else must reset, even a crash.
            AbortiveUntilAcknowledged = true,
            MaxConnections = maxConnections,
        };

    /// <summary>Registers the server's dependencies. The caller owns <paramref name="store"/> and disposes it after the host stops.</summary>
    public static void Register(IServiceCollection services, MailboxServerOptions options, IMailboxStore store)
    {
        services.AddSingleton(options);
        services.AddSingleton(store);
    }
}
