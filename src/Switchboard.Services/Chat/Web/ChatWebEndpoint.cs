using Microsoft.Extensions.DependencyInjection;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Chat.Web;

/// <summary>
/// Puts the chat's web port (page and WebSocket) into a <see cref="TcpServerHost"/> beside the chat's TCP ports,
/// sharing their room: register <see cref="ChatEndpoint"/> too.
/// </summary>
public static class ChatWebEndpoint
{
    /// <summary>The web endpoint's name in <see cref="TcpServerHost.Endpoints"/> and in logs.</summary>
    public const string ServiceName = ChatServer.ServiceName + "-web";

    public static ListenSpec At(ChatServerOptions chat, ChatWebOptions web)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(web);
        web = web.Validated();
        return new ListenSpec(ServiceName, chat.Bind, web.Port, _ => { }) { Http = ChatWebApp.Configure };
    }

    public static void Register(IServiceCollection services, ChatWebOptions web)
    {
        services.AddSingleton(web.Validated());
    }
}
