using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Chat;

/// <summary>Puts a chat server (its two ports) into a <see cref="TcpServerHost"/>, alone or beside other services in <c>up</c>.</summary>
public static class ChatEndpoint
{
    /// <summary>The participants' endpoint's name in <see cref="TcpServerHost.Endpoints"/>.</summary>
    public const string ParticipantsEndpoint = ChatServer.ServiceName;

    /// <summary>The observers' endpoint's name.</summary>
    public const string ObserversEndpoint = ChatServer.ServiceName + "-observers";

    public static IReadOnlyList<ListenSpec> At(ChatServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validated();
        return
        [
            new ListenSpec(ParticipantsEndpoint, options.Bind, options.Port, b => b.UseConnectionHandler<ChatParticipantHandler>()),
            new ListenSpec(ObserversEndpoint, options.Bind, options.EffectiveObserverPort, b => b.UseConnectionHandler<ChatObserverHandler>()),
        ];
    }

    public static void Register(IServiceCollection services, ChatServerOptions options)
    {
        services.AddSingleton(options.Validated());
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<ChatRoom>();
    }
}
