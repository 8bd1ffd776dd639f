using System.CommandLine;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Protocol.Echo;
using Switchboard.Services.Echo;

namespace Switchboard.Cli.Commands;

/// <summary><c>switchboard echo server|client</c> (handout 001).</summary>
public static class EchoCommand
{
    /// <summary>The handout's example port, also the port <c>switchboard up</c> gives echo.</summary>
    public const int DefaultPort = EchoEndpoint.DefaultPort;

    public static Command Create(ConsoleStreams console)
    {
        var echo = new Command("echo", "Length-prefixed messages (handout 001): the server answers each one without its first 10 characters.");
        echo.Subcommands.Add(Server());
        echo.Subcommands.Add(Client(console));
        return echo;
    }

    private static Option<long> Buffer(string description) =>
        CliArguments.Count("--buffer", 4096, 1, BufferedClient.MaxBufferSize, description);

    private static Command Server()
    {
        var command = new Command("server", "Answer each message with the message minus its first 10 characters.");
        var port = CliArguments.PortOption(1, 65535);
        command.Options.Add(port);
        // Kept from the handout's API; the server reads through its transport's buffer, so it does not change reads.
        command.Options.Add(Buffer("the handout's recv size; accepted for compatibility (the server's reads use the transport's buffer)"));
        var maxPayload = CliArguments.Count("--max-payload", EchoWire.DefaultMaxPayloadBytes, 0, EchoWire.MaxConfigurablePayloadBytes,
            "largest message in bytes; a longer payload_length closes that connection");
        var maxBuffered = CliArguments.Count("--max-buffered-bytes", EchoServerOptions.DefaultMaxBufferedBytes, 1, long.MaxValue,
            "bytes held at once, across all connections, for large messages still arriving; a message that does not fit is refused");
        command.Options.Add(maxPayload);
        command.Options.Add(maxBuffered);
        var shared = new ServerOptions(command, withIdleTimeout: true);
        command.SetAction(async (parse, ct) =>
        {
            var options = new EchoServerOptions
            {
                MaxPayloadBytes = (int)parse.GetValue(maxPayload),
                MaxBufferedBytes = parse.GetValue(maxBuffered),
                Limits = shared.Limits(parse),
            };
            return await ServerRunner.RunAsync(
                [EchoEndpoint.At(shared.Bind(parse), parse.GetValue(port))],
                shared.Host(parse),
                shared.Verbosity(parse),
                services => EchoEndpoint.Register(services, options),
                ct);
        });
        return command;
    }

    private static Command Client(ConsoleStreams console)
    {
        var command = new Command("client", "Send each line of input as one message and print each reply on its own line.");
        var host = CliArguments.Host();
        var port = CliArguments.Port(1, 65535);
        var buffer = Buffer("most bytes asked of the socket per receive");
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
