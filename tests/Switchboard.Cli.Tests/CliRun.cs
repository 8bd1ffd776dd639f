using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;

namespace Switchboard.Cli.Tests;

/// <summary>Runs the CLI in process with scripted stdin and captured stdout/stderr.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>Runs with <paramref name="stdin"/> as the whole of standard input.</summary>
    public static Task<CliRun> WithInputAsync(string stdin, params string[] args) => WithInputAsync(stdin, CancellationToken.None, args);

    public static async Task<CliRun> WithInputAsync(string stdin, CancellationToken shutdown, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new ConsoleStreams(new StringReader(stdin), output, error), shutdown);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs with empty standard input.</summary>
    public static Task<CliRun> RunAsync(params string[] args) => WithInputAsync(string.Empty, CancellationToken.None, args);
}
