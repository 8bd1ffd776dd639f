using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Files;

/// <summary>How a host runs the files service: its endpoint and the services it needs. Used by
/// <c>switchboard files server</c> and by <c>switchboard up</c>, which hosts it beside the others.</summary>
public static class FilesEndpoint
{
    /// <summary>The service name in logs, metrics and <see cref="TcpServerHost.Endpoints"/>.</summary>
    public const string Service = "files";

    /// <summary>The port <c>switchboard up</c> uses.</summary>
    public const int DefaultUpPort = 5001;

    /// <summary>The root <c>switchboard up</c> serves (created if missing), so a bare <c>up</c> never exposes the working directory.</summary>
    public const string DefaultUpRoot = "shared-files";

    /// <summary>The endpoint: <paramref name="bind"/> (null: all interfaces) and <paramref name="port"/> (0: ephemeral).</summary>
    public static ListenSpec At(IPAddress? bind, int port) =>
        new(Service, bind, port, b => b.UseConnectionHandler<FilesServer>());

    /// <summary>Registers what <see cref="FilesServer"/> needs.</summary>
    public static void Register(IServiceCollection services, FilesServerOptions options) => services.AddSingleton(options);
}
