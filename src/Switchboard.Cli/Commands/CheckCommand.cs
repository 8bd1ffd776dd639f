using System.CommandLine;
using System.Globalization;
using Switchboard.Check.Core;
using Switchboard.Check.Reporting;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;

namespace Switchboard.Cli.Commands;

/// <summary>
/// <c>switchboard check SERVICE server HOST PORT</c> and <c>switchboard check SERVICE client -- COMMAND ARGS...</c>:
/// conformance checks of someone else's implementation. Exit 0 when no selected case fails, 1 otherwise, 2 for usage.
/// </summary>
public static class CheckCommand
{
    public static Command Create(ConsoleStreams console)
    {
        var command = new Command("check", "Check anyone's server or client against the handouts: one line per case, with the bytes expected and seen.");
        foreach (var service in CheckSuites.Services)
        {
            var roles = string.Join(" or ", new[] { CheckMode.Server, CheckMode.Client }
                .Where(mode => CheckSuites.Find(service, mode) is not null)
                .Select(mode => mode == CheckMode.Server ? "server" : "client"));
            var serviceCommand = new Command(service, $"Check someone's {service} {roles}.");
            if (CheckSuites.Find(service, CheckMode.Server) is { } serverSuite)
            {
                serviceCommand.Subcommands.Add(Server(serverSuite, console));
            }
            if (CheckSuites.Find(service, CheckMode.Client) is { } clientSuite)
            {
                serviceCommand.Subcommands.Add(Client(clientSuite, console));
            }
            command.Subcommands.Add(serviceCommand);
        }
        return command;
    }

    private static Command Server(ICheckSuite suite, ConsoleStreams console)
    {
        // One argument list for both forms: HOST PORT, or after "--" a server command the checker launches itself.
        var target = new Argument<string[]>("TARGET")
        {
            Description = "HOST PORT of a running server, or after -- a server command to launch (launch mode: {port} is replaced by a free port, or the port is appended; the checker types its stdin)",
            Arity = ArgumentArity.OneOrMore,
            HelpName = "HOST PORT | -- COMMAND",
        };
        var server = new Command("server", $"Check the {suite.Service} server at HOST PORT, or one the checker launches ({suite.Cases.Count} cases).") { target };
        var common = new CheckOptionSet(server, CheckMode.Server);
        server.SetAction(async (parse, ct) =>
        {
            var words = parse.GetValue(target) ?? [];
            if (parse.Tokens.Any(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash))
            {
                var command = new Check.Launch.ServerCommand(words);
                var launched = new CaseContext { Service = suite.Service, Mode = CheckMode.Server, ServerCommand = words };
                return await common.RunAsync(parse, suite, launched, $"launched {command.Display}", console, ct);
            }
            if (words.Length != 2)
            {
                throw new UsageException($"expected HOST PORT, or -- and a server command to launch; got {words.Length} argument{(words.Length == 1 ? "" : "s")}");
            }
            if (!int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                throw new UsageException($"PORT '{words[1]}' is not a port: expected a number 1-65535");
            }
            var h = words[0];
            var context = new CaseContext { Service = suite.Service, Mode = CheckMode.Server, Host = h, Port = p };
            return await common.RunAsync(parse, suite, context, $"at {h}:{p.ToString(CultureInfo.InvariantCulture)}", console, ct);
        });
        return server;
    }

    private static Command Client(ICheckSuite suite, ConsoleStreams console)
    {
        var program = new Argument<string[]>("COMMAND")
        {
            Description = "the client to check, after --; {host} and {port} are replaced, {args} takes the case's other arguments; with none of them, HOST PORT ARGS... are appended",
            Arity = ArgumentArity.OneOrMore,
        };
        var client = new Command("client", $"Check the {suite.Service} client program against a scripted server ({suite.Cases.Count} cases); it is run once or more per case.") { program };
        var common = new CheckOptionSet(client, CheckMode.Client);
        client.SetAction(async (parse, ct) =>
        {
            var words = parse.GetValue(program) ?? [];
            var clientProgram = new ClientProgram(words);
            if (clientProgram.FindProblem() is { } problem)
            {
                throw new UsageException(problem);
            }
            var context = new CaseContext { Service = suite.Service, Mode = CheckMode.Client, Client = clientProgram };
            return await common.RunAsync(parse, suite, context, $"command {clientProgram.Display}", console, ct);
        });
        return client;
    }

    /// <summary>The options every check command shares, and the run they drive.</summary>
    private sealed class CheckOptionSet
    {
        private readonly Option<string[]> _only = new("--only") { Description = "run only these cases (ids, comma-separated or repeated; the 'SERVICE.MODE.' prefix may be left out)", HelpName = "IDS" };
        private readonly Option<string[]> _skip = new("--skip") { Description = "leave these cases out (same form as --only)", HelpName = "IDS" };
        private readonly Option<Duration> _timeout;
        private readonly Option<Duration> _runTimeout = CliArguments.Seconds("--run-timeout", CheckOptions.DefaultRunTimeout.TotalSeconds, "bound for the whole run (cases not started by then fail)");
        private readonly Option<ReportFormat> _format = new("--format")
        {
            Description = "table (default), json, junit or gradescope (results.json)",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => ReportFormat.Table,
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (Enum.TryParse<ReportFormat>(text, ignoreCase: true, out var format) && !int.TryParse(text, out _))
                {
                    return format;
                }
                r.AddError($"--format '{text}' is not a format: use table, json, junit or gradescope");
                return ReportFormat.Table;
            },
        };
        private readonly Option<FileInfo?> _output = new("--output", "-o") { Description = "write the report (in --format) to FILE; the table still goes to the screen", HelpName = "FILE" };

        public CheckOptionSet(Command command, CheckMode mode)
        {
            _timeout = CliArguments.Seconds("--timeout", CheckOptions.DefaultCaseTimeoutFor(mode).TotalSeconds,
                mode == CheckMode.Client ? "bound for each case, including starting the client" : "bound for each case");
            command.Options.Add(_only);
            command.Options.Add(_skip);
            command.Options.Add(_timeout);
            command.Options.Add(_runTimeout);
            command.Options.Add(_format);
            command.Options.Add(_output);
        }

        public async Task<int> RunAsync(ParseResult parse, ICheckSuite suite, CaseContext context, string target, ConsoleStreams console, CancellationToken ct)
        {
            var cases = CheckRunner.Select(suite, parse.GetValue(_only) ?? [], parse.GetValue(_skip) ?? []);
            if (cases.Count == 0)
            {
                throw new UsageException("--only/--skip leave no case to run");
            }
            var format = parse.GetValue(_format);
            var output = parse.GetValue(_output);
            var options = new CheckOptions(parse.GetValue(_timeout), parse.GetValue(_runTimeout));
            // The table is shown live, a line as each case is decided, unless a machine format owns stdout.
            var live = format == ReportFormat.Table || output is not null;
            var width = cases.Max(c => c.Id.Length);
            var report = await CheckRunner.RunAsync(suite, cases, context, options, target,
                live ? outcome => console.Out.WriteLine(TextReport.Line(outcome, width)) : null, ct);
            if (live)
            {
                await console.Out.WriteLineAsync(TextReport.Summary(report));
            }
            if (output is not null)
            {
                await File.WriteAllTextAsync(output.FullName, ReportWriter.Render(report, format), ct);
            }
            else if (format != ReportFormat.Table)
            {
                await console.Out.WriteAsync(ReportWriter.Render(report, format));
            }
            return report.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
        }
    }
}
