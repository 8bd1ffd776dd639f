using System.CommandLine;
using System.Net;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Services.Chat;
using Switchboard.Services.Chat.Web;

namespace Switchboard.Cli.Commands;

/// <summary><c>switchboard chat server|client</c> (handout 002, LogosNet): a multi-user room with observers.</summary>
public static class ChatCommand
{
    public const int DefaultPort = 8021;
    public const int DefaultObserverPort = 8022;

    public static Command Create(ConsoleStreams console)
    {
        var chat = new Command("chat", "Multi-user chat room (handout 002, LogosNet): participants, observers, private messages.");
        chat.Subcommands.Add(Server());
        chat.Subcommands.Add(Client(console));
        return chat;
    }

    private static Command Server()
    {
        var ip = IpOption("address to listen on (0.0.0.0 for all interfaces, 127.0.0.1 for this machine only)");
        var port = CliArguments.PortOption(1, 65534);
        var observerPort = ObserverPortOption();
        var maxParticipants = CliArguments.Count("--max-participants", ChatServerOptions.DefaultMaxParticipants, 1, 100_000, "participants connected at once");
        var maxObservers = CliArguments.Count("--max-observers", ChatServerOptions.DefaultMaxObservers, 0, 100_000, "observers connected at once");
        var usernameTimeout = CliArguments.Seconds("--username-timeout", 60, "time to choose a username (or to pair), restarted after each refused try");
        var rate = new Option<double>("--rate-limit")
        {
            Description = "messages per second each participant may send, sustained",
            HelpName = "PER_SECOND",
            DefaultValueFactory = _ => ChatServerOptions.DefaultRatePerSecond,
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 && v <= 1_000_000)
                {
                    return v;
                }
                r.AddError($"--rate-limit '{text}' must be a number of messages per second above 0 and at most 1000000");
                return 0;
            },
        };
        var burst = CliArguments.Count("--rate-burst", ChatServerOptions.DefaultRateBurst, 0, 1_000_000, "messages a participant may send at once before --rate-limit applies (0: no limit)");
        var webPort = WebPortOption("--web-port", null);
        var allowedOrigins = WebAllowedOriginOption();
        var server = new Command("server", "Run the chat server: participants on --port, observers on --observer-port, and with --web-port a page for browsers.")
        {
            ip, port, observerPort, maxParticipants, maxObservers, usernameTimeout, rate, burst, webPort, allowedOrigins,
        };
        server.Validators.Add(r =>
        {
            if (r.GetResult(allowedOrigins) is not null && r.GetResult(webPort) is null)
            {
                r.AddError("--web-allowed-origin is only for --web-port");
            }
        });
        var common = new ServerOptions(server, withBind: false, withRequestTimeout: false, gapSeconds: ChatServerOptions.DefaultLimits.GapTimeout.TotalSeconds);
        server.SetAction(async (parse, ct) =>
        {
            var options = new ChatServerOptions
            {
                Bind = parse.GetValue(ip),
                Port = parse.GetValue(port),
                ObserverPort = parse.GetResult(observerPort) is null ? null : parse.GetValue(observerPort),
                MaxParticipants = (int)parse.GetValue(maxParticipants),
                MaxObservers = (int)parse.GetValue(maxObservers),
                UsernameTimeout = parse.GetValue(usernameTimeout),
                RatePerSecond = parse.GetValue(rate),
                RateBurst = (int)parse.GetValue(burst),
                Limits = common.Limits(parse),
                ShutdownTimeout = common.Host(parse).ShutdownTimeout,
            };
            if (options.EffectiveObserverPort == options.Port)
            {
                throw new UsageException($"--observer-port {options.EffectiveObserverPort} is the participants' port; choose another");
            }
            var web = parse.GetResult(webPort) is null ? null : WebOptions(parse.GetValue(webPort), parse.GetValue(allowedOrigins));
            if (web is not null && (web.Port == options.Port || web.Port == options.EffectiveObserverPort))
            {
                throw new UsageException($"--web-port {web.Port} is already the chat's {(web.Port == options.Port ? "participants'" : "observers'")} port; choose another");
            }
            var host = ChatServer.HostOptions(options) with { MaxConnections = Math.Max(common.Host(parse).MaxConnections, ChatServer.HostOptions(options).MaxConnections) };
            var endpoints = ChatEndpoint.At(options).ToList();
            if (web is not null)
            {
                endpoints.Add(ChatWebEndpoint.At(options, web));
            }
            return await ServerRunner.RunAsync(
                endpoints,
                host,
                common.Verbosity(parse),
                services =>
                {
                    ChatEndpoint.Register(services, options);
                    if (web is not null)
                    {
                        ChatWebEndpoint.Register(services, web);
                    }
                },
                ct);
        });
        return server;
    }

    private static Command Client(ConsoleStreams console)
    {
        var ip = new Option<string>("--ip")
        {
            Description = "the server: dotted IPv4 address, IPv6 address or host name",
            HelpName = "IP",
            Required = true,
        };
        var port = CliArguments.PortOption(1, 65535);
        var observer = new Option<bool>("--observer") { Description = "observe a participant (asks for its name and pairing code) instead of chatting" };
        var observerPort = ObserverPortOption();
        var client = new Command("client", "Join a chat room (or, with --observer, watch one participant's view of it).")
        {
            ip, port, observer, observerPort,
        };
        client.Validators.Add(r =>
        {
            if (r.GetResult(observerPort) is not null && !r.GetValue(observer))
            {
                r.AddError("--observer-port is only for --observer");
            }
        });
        client.SetAction(async (parse, ct) =>
        {
            var host = parse.GetValue(ip)!;
            var participants = parse.GetValue(port);
            if (!parse.GetValue(observer))
            {
                return await ChatConsoleClient.RunParticipantAsync(host, participants, console, ct);
            }
            var observers = parse.GetResult(observerPort) is null ? participants + 1 : parse.GetValue(observerPort);
            if (observers > 65535)
            {
                throw new UsageException($"--port {participants} has no next port for observers; give --observer-port");
            }
            return await ChatConsoleClient.RunObserverAsync(host, observers, console, ct);
        });
        return client;
    }

    /// <summary>The chat's web port (page and WebSocket); <c>up</c> gives it a default.</summary>
    internal static Option<int> WebPortOption(string name, int? defaultPort)
    {
        var option = new Option<int>(name)
        {
            Description = "port serving the chat page and its WebSocket to browsers (http://HOST:PORT/)" + (defaultPort is null ? "; none without it" : string.Empty),
            HelpName = "PORT",
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535)
                {
                    return p;
                }
                r.AddError($"{name} '{text}' is not a port number (expected 1-65535)");
                return 0;
            },
        };
        if (defaultPort is { } port)
        {
            option.DefaultValueFactory = _ => port;
        }
        return option;
    }

    /// <summary>Extra origins whose pages may open the chat's WebSocket (the page's own origin always may).</summary>
    internal static Option<string[]> WebAllowedOriginOption(string name = "--web-allowed-origin") => new(name)
    {
        Description = "another origin (http://host[:port]) whose pages may join the chat, e.g. a reverse proxy's public name; repeat for more",
        HelpName = "ORIGIN",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.OneOrMore,
        Validators =
        {
            r =>
            {
                foreach (var token in r.Tokens)
                {
                    try
                    {
                        new ChatWebOptions { AllowedOrigins = [token.Value] }.Validated();
                    }
                    catch (Protocol.InvalidValueException e)
                    {
                        r.AddError($"{name}: {e.Message}");
                    }
                }
            },
        },
    };

    internal static ChatWebOptions WebOptions(int port, string[]? allowedOrigins) =>
        new ChatWebOptions { Port = port, AllowedOrigins = allowedOrigins ?? [] }.Validated();

    private static Option<int> ObserverPortOption() => new("--observer-port")
    {
        Description = "observers' port (default: --port + 1)",
        HelpName = "PORT",
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535)
            {
                return p;
            }
            r.AddError($"--observer-port '{text}' is not a port number (expected 1-65535)");
            return 0;
        },
    };

    /// <summary>The handout's required <c>--ip</c>: an IP literal, or <c>localhost</c>.</summary>
    private static Option<IPAddress?> IpOption(string description) => new("--ip")
    {
        Description = description,
        HelpName = "IP",
        Required = true,
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                return IPAddress.Loopback;
            }
            if (BindAddressParse(text) is { } address)
            {
                return address;
            }
            r.AddError($"--ip '{text}' is not an IP address (use 0.0.0.0 for all interfaces, 127.0.0.1 or localhost for this machine)");
            return null;
        },
    };

    private static IPAddress? BindAddressParse(string text) =>
        IPAddress.TryParse(text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text, out var address) ? address : null;
}
