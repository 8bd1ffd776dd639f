using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Cli.Infrastructure;
using Switchboard.Protocol.Echo;
using Switchboard.Services.Common;
using Switchboard.Services.Echo;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Commands;

/// <summary><c>switchboard echo server|client</c> (handout 001).</summary>
public static class EchoCommand
{
    /// <summary>The handout's example port, also the port <c>switchboard up</c> gives echo.</summary>
    public const int DefaultPort = 4567;

    public static Command Create(ConsoleStreams console)
    {
        var echo = new Command("echo", "length-prefixed messages; the server answers each one without its first 10 characters (handout 001)");
        echo.Subcommands.Add(Server());
        echo.Subcommands.Add(Client(console));
        return echo;
    }

    private static Option<long> Buffer() =>
        CliArguments.Count("--buffer", 4096, 1, BufferedClient.MaxBufferSize, "most bytes asked of the socket per receive");

    private static Command Server()
    {
        var command = new Command("server", "answer each message with the message minus its first 10 characters");
        var port = CliArguments.PortOption(1, 65535);
        var buffer = Buffer();
        var maxPayload = CliArguments.Count("--max-payload", EchoWire.DefaultMaxPayloadBytes, 0, EchoWire.MaxConfigurablePayloadBytes,
            "largest message in bytes; a longer payload_length closes that connection");
        var gap = CliArguments.Seconds("--gap-timeout", 1, "fail a message or reply that stalls this long once begun");
        command.Options.Add(port);
        command.Options.Add(buffer);
        command.Options.Add(maxPayload);
        command.Options.Add(gap);
        var shared = new ServerOptions(command, withBind: true, withTimeouts: false);
        command.SetAction(async (parse, ct) =>
        {
            var options = new EchoServerOptions
            {
                MaxPayloadBytes = (int)parse.GetValue(maxPayload),
                GapTimeout = parse.GetValue(gap),
                MaxConnections = (int)Math.Min(int.MaxValue, shared.Host(parse).MaxConnections),
            };
            using var logging = LoggerFactory.Create(l => l.AddSwitchboardConsole(shared.Verbosity(parse)));
            await using var services = new ServiceCollection().AddMetrics().AddSingleton<SwitchboardMetrics>().BuildServiceProvider();
            var log = logging.CreateLogger("echo");
            await using var server = new BufferedServer(
                shared.Bind(parse)?.ToString() ?? string.Empty, parse.GetValue(port), (int)parse.GetValue(buffer), options, log,
                services.GetRequiredService<SwitchboardMetrics>());
            log.LogInformation("echo listening on {Endpoint}", server.LocalEndPoint);
            await server.RunAsync(ct).ConfigureAwait(false);
            log.LogInformation("stopped");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Client(ConsoleStreams console)
    {
        var command = new Command("client", "send each line of input as one message and print each reply on its own line");
        var host = CliArguments.Host();
        var port = CliArguments.Port(1, 65535);
        var buffer = Buffer();
        command.Arguments.Add(host);
        command.Arguments.Add(port);
        command.Options.Add(buffer);
        command.SetAction(async (parse, ct) =>
        {
            await EchoConsoleClient.RunAsync(parse.GetValue(host)!, parse.GetValue(port), (int)parse.GetValue(buffer), console, ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
