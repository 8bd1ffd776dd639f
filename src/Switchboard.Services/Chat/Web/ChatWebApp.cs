using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Chat.Web;

/// <summary>
/// The web port's requests: the embedded page (GET/HEAD), and at <see cref="ChatWebOptions.WebSocketPath"/> the
/// WebSocket that makes a browser a chat participant. Nothing else: no directory, no file from disk, no body read.
/// </summary>
internal sealed class ChatWebApp
{
    /// <summary>The chat's TCP ports as JSON, for the page's observer instructions.</summary>
    public const string InfoPath = "/info.json";

    private readonly ChatWebOptions _options;
    private readonly ChatServerOptions _chat;
    private readonly OriginPolicy _origins;
    private readonly ChatParticipantHandler _participants;
    private readonly SwitchboardMetrics _metrics;
    private readonly ILogger _log;
    private readonly CancellationToken _stopping;
    private readonly StaticAsset _info;

    public ChatWebApp(IServiceProvider services)
    {
        _options = services.GetRequiredService<ChatWebOptions>();
        _chat = services.GetRequiredService<ChatServerOptions>();
        _origins = new OriginPolicy(_options.AllowedOrigins);
        // The same handler class, room and limits as the TCP participants' port: a browser is a participant like any other.
        _participants = ActivatorUtilities.CreateInstance<ChatParticipantHandler>(services);
        _metrics = services.GetRequiredService<SwitchboardMetrics>();
        _log = services.GetRequiredService<ILoggerFactory>().CreateLogger(ChatWebEndpoint.ServiceName);
        _stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        // What the page tells a person who wants an observer: the chat's TCP ports (null when chosen by the OS, as in tests).
        _info = new StaticAsset(InfoPath, "application/json", JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, int?>
        {
            ["port"] = _chat.Port == 0 ? null : _chat.Port,
            ["observerPort"] = _chat.EffectiveObserverPort == 0 ? null : _chat.EffectiveObserverPort,
        }));
    }

    /// <summary>Builds the web port's branch of the host's request pipeline.</summary>
    public static void Configure(IApplicationBuilder app)
    {
        var web = new ChatWebApp(app.ApplicationServices);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = web._options.KeepAlive, KeepAliveTimeout = web._options.KeepAlive });
        app.Run(web.ServeAsync);
    }

    private Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        SecurityHeaders(context);
        if (request.Path == ChatWebOptions.WebSocketPath)
        {
            return WebSocketAsync(context);
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return PlainAsync(context, StatusCodes.Status405MethodNotAllowed, "only GET and HEAD are served here");
        }
        if (request.Path == InfoPath)
        {
            return WriteAsync(context, _info);
        }
        if (!StaticAssets.All.TryGetValue(request.Path.Value ?? "/", out var asset))
        {
            return PlainAsync(context, StatusCodes.Status404NotFound, "not found: this server has one page, at /");
        }
        return WriteAsync(context, asset);
    }

    private static Task WriteAsync(HttpContext context, StaticAsset asset)
    {
        var request = context.Request;
        var response = context.Response;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        // A new server version brings a new page: browsers ask again rather than run a stale script against it.
        response.Headers.CacheControl = "no-cache";
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private async Task WebSocketAsync(HttpContext context)
    {
        var peer = new WebPeerEndPoint(context.Connection.RemoteIpAddress, context.Connection.RemotePort).ToString();
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await PlainAsync(context, StatusCodes.Status400BadRequest, $"{ChatWebOptions.WebSocketPath} is the chat's WebSocket: connect with a WebSocket client");
            return;
        }
        if (_origins.Refusal(context.Request) is { } refusal)
        {
            _metrics.Reject(ChatWebEndpoint.ServiceName, "origin");
            _log.LogWarning("{Peer}: WebSocket refused: {Reason}", peer, refusal);
            await PlainAsync(context, StatusCodes.Status403Forbidden, "this page's origin may not join the chat");
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await using var connection = new WebSocketConnection(socket, context.Connection.RemoteIpAddress, context.Connection.RemotePort, _stopping);
        await _participants.OnConnectedAsync(connection);
        await connection.FinishAsync(_chat.ShutdownTimeout);
    }

    private static void SecurityHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        // Everything the page needs comes from this server: scripts, styles and images from here only, no inline code,
        // and connections only back here (ws: and wss: spelled out for browsers whose 'self' does not cover them).
        var host = context.Request.Host.Value;
        var socket = host is not null && IsPlainHost(host) ? $" ws://{host} wss://{host}" : string.Empty;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'{socket}; " +
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
    }

    // Kestrel already rejects malformed Host headers; this keeps anything unexpected out of the policy all the same.
    private static bool IsPlainHost(string host) =>
        host.Length <= 300 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']');

    private static Task PlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }
}
