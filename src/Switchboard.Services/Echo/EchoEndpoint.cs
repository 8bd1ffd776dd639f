using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Echo;

/// <summary>Puts an <see cref="EchoConnectionHandler"/> into a <see cref="TcpServerHost"/> (alone, beside other services in <c>up</c>, or inside <see cref="BufferedServer"/>).</summary>
public static class EchoEndpoint
{
    /// <summary>The handout's example port, also the port <c>switchboard up</c> gives echo.</summary>
    public const int DefaultPort = 4567;

    public static ListenSpec At(IPAddress? bind, int port) =>
        new(EchoConnectionHandler.ServiceName, bind, port, b => b.UseConnectionHandler<EchoConnectionHandler>());

    /// <summary>Registers the handler's options and shared state; returns the state (connection count, memory budget).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is unusable; the message names it.</exception>
    public static EchoServerState Register(IServiceCollection services, EchoServerOptions options, EchoServerState? state = null)
    {
        options = options.Validated();
        state ??= new EchoServerState(options);
        services.AddSingleton(options);
        services.AddSingleton(state);
        return state;
    }
}
