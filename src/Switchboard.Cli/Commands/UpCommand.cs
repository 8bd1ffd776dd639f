using System.CommandLine;
using Switchboard.Cli.Infrastructure;
using Switchboard.Services.Common;
using Switchboard.Services.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Transport.Hosting;

namespace Switchboard.Cli.Commands;

/// <summary><c>switchboard up</c>: every server on its default port in one process, stopped together by Ctrl+C/SIGTERM.</summary>
public static class UpCommand
{
    public static Command Create(ConsoleStreams console)
    {
        var mailboxStore = MailboxCommand.StoreOption("--mailbox-store");
        var mailboxPort = CliArguments.PortOption("--mailbox-port", MailboxServerOptions.MinPort, MailboxServerOptions.MaxPort, MailboxServerOptions.DefaultPort);
        var up = new Command("up", $"Run every server on its default port: mailbox {MailboxServerOptions.DefaultPort}.") { mailboxStore, mailboxPort };
        var common = new ServerOptions(up);
        up.SetAction(async (parse, ct) =>
        {
            var bind = common.Bind(parse);
            var limits = common.Limits(parse);
            await using var store = await MailboxStoreSpec.OpenAsync(parse.GetValue(mailboxStore)!, ct);
            var endpoints = new List<ListenSpec>
            {
                MailboxEndpoint.Listen(bind, parse.GetValue(mailboxPort)),
            };
            return await ServerRunner.RunAsync(
                console,
                endpoints,
                common.Host(parse),
                common.Verbosity(parse),
                services => MailboxEndpoint.Register(services, new MailboxServerOptions { Limits = limits }, store),
                ct);
        });
        return up;
    }
}
