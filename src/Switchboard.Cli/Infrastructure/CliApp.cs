using System.CommandLine;
using System.Reflection;
using Switchboard.Cli.Commands;
using Switchboard.Cli.Terminal;
using Switchboard.Protocol;

namespace Switchboard.Cli.Infrastructure;

/// <summary>Builds the command tree and maps every outcome to SPEC.md's exit codes.</summary>
public static class CliApp
{
    /// <summary>Runs one command line. Never throws for expected failures: they become <c>error: ...</c> and exit 1 (or 2 for usage).</summary>
    public static async Task<int> RunAsync(string[] args, ConsoleStreams console, CancellationToken shutdown)
    {
        var root = BuildRoot(console);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }
            var path = string.Join(' ', CommandPath(parse.CommandResult.Command, root));
            await console.Error.WriteLineAsync($"Try '{path} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
            // Signals are handled by ShutdownSignal, which lets servers drain and exit 0.
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parse.InvokeAsync(invocation, shutdown).ConfigureAwait(false);
        }
        catch (Exception e) when (shutdown.IsCancellationRequested && e is OperationCanceledException or SwitchboardException or IOException)
        {
            // Ctrl+C or SIGTERM ended a command that was still working: every client says the same and exits 1
            // (a runtime failure: the work was not done). Servers do not get here: they treat the signal
            // as their normal end, shut down gracefully and return 0.
            await console.Error.WriteLineAsync("error: interrupted").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is UsageException or InvalidValueException)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (SwitchboardException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>The whole command tree; each service contributes one command.</summary>
    public static RootCommand BuildRoot(ConsoleStreams console)
    {
        var root = new RootCommand("Switchboard: mailbox, files, echo, chat and talk servers and clients, byte-compatible with the course handouts.");
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(MailboxCommand.Create(console));
        root.Subcommands.Add(FilesCommand.Create(console));
        root.Subcommands.Add(TalkCommand.Create(console));
        root.Subcommands.Add(EchoCommand.Create(console));
        root.Subcommands.Add(ChatCommand.Create(console));
        root.Subcommands.Add(CheckCommand.Create(console));
        return root;
    }

    /// <summary>The version printed by <c>--version</c>.</summary>
    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        var names = new Stack<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Push(ReferenceEquals(c, root) ? "switchboard" : c.Name);
        }
        return names;
    }
}
