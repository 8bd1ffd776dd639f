using System.CommandLine;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;

namespace Switchboard.Cli.Tests.Infrastructure;

public sealed class CliAppTests
{
    [Fact]
    public async Task Version_prints_and_exits_0()
    {
        var run = await CliRun.RunAsync("--version");
        run.ExitCode.ShouldBe(0);
        run.Out.ShouldStartWith("0.1.0");
    }

    [Fact]
    public async Task No_command_is_a_usage_error()
    {
        var run = await CliRun.RunAsync();
        run.ExitCode.ShouldBe(2);
        run.Error.ShouldContain("error: ");
        run.Error.ShouldContain("Try 'switchboard --help'");
    }

    [Fact]
    public async Task Unknown_command_is_a_usage_error()
    {
        var run = await CliRun.RunAsync("mailbx");
        run.ExitCode.ShouldBe(2);
        run.Error.ShouldContain("mailbx");
    }

    [Fact]
    public async Task Every_command_has_help_that_exits_0()
    {
        var root = CliApp.BuildRoot(new ConsoleStreams(TextReader.Null, TextWriter.Null, TextWriter.Null));
        var paths = new List<string[]>();
        void Walk(Command command, string[] path)
        {
            paths.Add(path);
            foreach (var sub in command.Subcommands)
            {
                Walk(sub, [.. path, sub.Name]);
            }
        }
        Walk(root, []);
        paths.Count.ShouldBeGreaterThan(3);
        foreach (var path in paths)
        {
            foreach (var flag in new[] { "-h", "--help" })
            {
                var run = await CliRun.RunAsync([.. path, flag]);
                run.ExitCode.ShouldBe(0, $"switchboard {string.Join(' ', path)} {flag}: {run.Error}");
                run.Out.ShouldContain("Usage:");
            }
        }
    }
}
