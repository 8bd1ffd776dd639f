using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Mailbox;

/// <summary>Puts a <see cref="MailboxServer"/> into a <see cref="TcpServerHost"/> (alone, or beside other services in <c>up</c>).</summary>
public static class MailboxEndpoint
{
    public static ListenSpec Listen(IPAddress? bind, int port) =>
        new(MailboxServer.ServiceName, bind, port, b => b.UseConnectionHandler<MailboxServer>());

    /// <summary>Registers the server's dependencies. The caller owns <paramref name="store"/> and disposes it after the host stops.</summary>
    public static void Register(IServiceCollection services, MailboxServerOptions options, IMailboxStore store)
    {
        services.AddSingleton(options);
        services.AddSingleton(store);
    }
}
