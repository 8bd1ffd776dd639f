using System.CommandLine;
using System.Globalization;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Protocol.Files;
using Switchboard.Services.Files;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Cli.Commands;

/// <summary><c>switchboard files server|client</c>: file download, handout 004.</summary>
public static class FilesCommand
{
    /// <summary>The handout's port range.</summary>
    public const int MinPort = 1024;

    /// <inheritdoc cref="MinPort"/>
    public const int MaxPort = 64000;

    public static Command Create(ConsoleStreams console)
    {
        var files = new Command("files", "Download files (handout 004): a server sharing one folder, a client fetching one file.");
        files.Subcommands.Add(Server());
        files.Subcommands.Add(Client(console));
        return files;
    }

    private static Command Server()
    {
        var command = new Command("server", "Serve the files under --root; nothing outside it is ever sent.");
        var port = CliArguments.Port(MinPort, MaxPort);
        var root = new Option<string>("--root")
        {
            Description = "Folder to serve",
            HelpName = "DIR",
            DefaultValueFactory = _ => ".",
        };
        var allowHardLinks = AllowHardLinksOption("--allow-hardlinks");
        command.Arguments.Add(port);
        command.Options.Add(root);
        command.Options.Add(allowHardLinks);
        var shared = new ServerOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new FilesServerOptions(FilesRoot.Open(parse.GetValue(root)!))
            {
                Limits = shared.Limits(parse),
                AllowHardLinks = parse.GetValue(allowHardLinks),
            };
            return await ServerRunner.RunAsync(
                [FilesEndpoint.At(shared.Bind(parse), parse.GetValue(port))],
                shared.Host(parse),
                shared.Verbosity(parse),
                services => FilesEndpoint.Register(services, options),
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Client(ConsoleStreams console)
    {
        var command = new Command("client", "Download FILENAME from the server into the current folder under the same name; never overwrites.");
        var host = CliArguments.Host();
        var port = CliArguments.Port(MinPort, MaxPort);
        var fileName = new Argument<string>("FILENAME") { Description = "file to fetch, relative to the server's root; saved at the same path here" };
        command.Arguments.Add(host);
        command.Arguments.Add(port);
        command.Arguments.Add(fileName);
        command.SetAction((parse, cancellationToken) => DownloadAsync(
            parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(fileName)!, console, TransportLimits.Default, cancellationToken));
        return command;
    }

    /// <summary>The files server's hard-link switch, named <paramref name="name"/> (<c>up</c> prefixes it with the service).</summary>
    public static Option<bool> AllowHardLinksOption(string name) => new(name)
    {
        Description = "Serve files with more than one hard link (refused by default: another name for the file may be outside the root)",
    };

    /// <summary>Downloads, with a progress bar on a terminal for big files, then prints the byte count and rate.</summary>
    private static async Task<int> DownloadAsync(string host, int port, string fileName, ConsoleStreams console, TransportLimits limits, CancellationToken cancellationToken)
    {
        FilesProgress? bar = null;
        DownloadResult result;
        try
        {
            result = await FilesClient.DownloadAsync(host, port, fileName, limits, length =>
                bar = console.ErrorIsTerminal && length > FilesProgress.Threshold ? new FilesProgress(console.Error, fileName, length) : null,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (bar is not null)
            {
                await bar.DisposeAsync().ConfigureAwait(false);
            }
        }
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"received {FileNameDisplay.Format(fileName)}: {result.Bytes} bytes in {result.Elapsed.TotalSeconds:0.000} s ({result.MegabytesPerSecond:0.0} MB/s)")).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
