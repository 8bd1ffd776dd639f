using System.CommandLine;
using Microsoft.Extensions.Logging;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Protocol.Talk;
using Switchboard.Services.Talk;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Commands;

/// <summary>
/// <c>switchboard talk server PORT</c> and <c>switchboard talk client HOST PORT</c> (handout 003).
/// Interactive (a person answers at the server), so talk is not one of the services <c>up</c> starts.
/// </summary>
public static class TalkCommand
{
    /// <summary>The handout: "a port number in the range [1024, 65535]".</summary>
    public const int MinPort = 1024;
    public const int MaxPort = 65535;

    public static Command Create(ConsoleStreams console)
    {
        var talk = new Command("talk", "Two-party lock-step chat (handout 003): a person at the server talks with a person at the client, one line each in turn; EXIT hangs up.");
        talk.Subcommands.Add(Server(console));
        talk.Subcommands.Add(Client(console));
        return talk;
    }

    private static Command Server(ConsoleStreams console)
    {
        var port = CliArguments.Port(MinPort, MaxPort);
        var command = new Command("server", "Wait for callers on PORT; print each caller's line, then send the line you type. EXIT hangs up on the caller, end of input stops the server.")
        {
            port,
        };
        var server = new ServerOptions(command, withRequestTimeout: false, gapSeconds: TalkOptions.DefaultLimits.GapTimeout.TotalSeconds);
        var maxLine = MaxLineBytes();
        var quietPeriod = QuietPeriod();
        command.Options.Add(maxLine);
        command.Options.Add(quietPeriod);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var verbosity = server.Verbosity(parse);
            var options = new TalkServerOptions
            {
                Bind = server.Bind(parse),
                Port = parse.GetValue(port),
                MaxConnections = server.Host(parse).MaxConnections,
                MaxLineBytes = (int)parse.GetValue(maxLine),
                Limits = server.Limits(parse),
                QuietPeriod = parse.GetValue(quietPeriod),
            };
            await TalkServer.RunAsync(options, TalkTerminal.ForServer(console, verbosity), logging => ConfigureLogging(logging, verbosity), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Client(ConsoleStreams console)
    {
        var host = CliArguments.Host();
        var port = CliArguments.Port(MinPort, MaxPort);
        var command = new Command("client", "Call the talk server at HOST PORT; send each line you type, then print the server's answer. EXIT or end of input hangs up.")
        {
            host,
            port,
        };
        var maxLine = MaxLineBytes();
        var gap = LimitOptions.GapTimeout(TalkOptions.DefaultLimits.GapTimeout.TotalSeconds);
        var quietPeriod = QuietPeriod();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "show only errors on stderr, no notices" };
        command.Options.Add(maxLine);
        command.Options.Add(gap);
        command.Options.Add(quietPeriod);
        command.Options.Add(quiet);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new TalkClientOptions(parse.GetValue(host)!, parse.GetValue(port))
            {
                MaxLineBytes = (int)parse.GetValue(maxLine),
                Limits = TalkOptions.DefaultLimits with { GapTimeout = parse.GetValue(gap) },
                QuietPeriod = parse.GetValue(quietPeriod),
            };
            var user = TalkTerminal.ForClient(console, parse.GetValue(quiet) ? Verbosity.Quiet : Verbosity.Normal);
            await TalkClient.RunAsync(options, user, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Option<long> MaxLineBytes() => CliArguments.Count(
        "--max-line-bytes", TalkWire.DefaultMaxLineBytes, 1, TalkWire.MaxConfigurableLineBytes,
        "longest line accepted or sent, in UTF-8 bytes");


    private static Option<Duration> QuietPeriod() => CliArguments.Seconds(
        "--quiet-period", TalkOptions.DefaultQuietPeriod.TotalSeconds,
        "a message without a newline (as the handout's programs send) is complete once its bytes stop for this long");

    /// <summary>
    /// The conversation's own notices already say who connected and hung up, so connection logs are shown
    /// only with --verbose; otherwise only real faults (a bug, a Kestrel problem) reach stderr.
    /// </summary>
    private static void ConfigureLogging(ILoggingBuilder logging, Verbosity verbosity)
    {
        logging.AddSwitchboardConsole(verbosity == Verbosity.Verbose ? Verbosity.Verbose : Verbosity.Quiet);
        if (verbosity != Verbosity.Verbose)
        {
            logging.SetMinimumLevel(LogLevel.Error);
        }
    }
}
