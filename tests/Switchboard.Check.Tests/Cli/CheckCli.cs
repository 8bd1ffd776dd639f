using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;

namespace Switchboard.Check.Tests.Cli;

/// <summary>Runs the <c>switchboard</c> command line in process, with empty stdin, capturing what it prints.</summary>
internal static class CheckCli
{
    public static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new ConsoleStreams(new StringReader(""), output, error), CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
