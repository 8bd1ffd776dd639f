using System.CommandLine;
using Switchboard.Cli.Infrastructure;
using Switchboard.Services.Chat;
using Switchboard.Services.Chat.Web;
using Switchboard.Services.Echo;
using Switchboard.Services.Files;
using Switchboard.Services.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Transport.Hosting;

namespace Switchboard.Cli.Commands;

/// <summary>
/// <c>switchboard up</c>: every server on its default port in one process, stopped together by Ctrl+C/SIGTERM.
/// talk is left out: its server is a person at a keyboard, not a daemon.
/// </summary>
public static class UpCommand
{
    public static Command Create()
    {
        var mailboxStore = MailboxCommand.StoreOption("--mailbox-store");
        var mailboxPort = CliArguments.PortOption("--mailbox-port", MailboxServerOptions.MinPort, MailboxServerOptions.MaxPort, MailboxServerOptions.DefaultPort);
        var filesRoot = new Option<string>("--files-root")
        {
            Description = "folder the files service shares, created if missing",
            HelpName = "DIR",
            DefaultValueFactory = _ => FilesEndpoint.DefaultUpRoot,
        };
        var filesPort = CliArguments.PortOption("--files-port", FilesCommand.MinPort, FilesCommand.MaxPort, FilesEndpoint.DefaultUpPort);
        var filesAllowHardLinks = FilesCommand.AllowHardLinksOption("--files-allow-hardlinks");
        var echoPort = CliArguments.PortOption("--echo-port", 1, 65535, EchoCommand.DefaultPort);
        var chatPort = CliArguments.PortOption("--chat-port", 1, 65535, ChatCommand.DefaultPort);
        var chatObserverPort = CliArguments.PortOption("--chat-observer-port", 1, 65535, ChatCommand.DefaultObserverPort);
        var chatWebPort = ChatCommand.WebPortOption("--chat-web-port", ChatWebOptions.DefaultUpPort);
        var chatAllowedOrigins = ChatCommand.WebAllowedOriginOption("--chat-web-allowed-origin");
        var up = new Command(
            "up",
            $"Run every server on its default port: mailbox {MailboxServerOptions.DefaultPort}, files {FilesEndpoint.DefaultUpPort}, echo {EchoCommand.DefaultPort}, chat {ChatCommand.DefaultPort} (observers {ChatCommand.DefaultObserverPort}, browsers http://localhost:{ChatWebOptions.DefaultUpPort}/).")
        {
            mailboxStore, mailboxPort, filesRoot, filesPort, filesAllowHardLinks, echoPort, chatPort, chatObserverPort, chatWebPort, chatAllowedOrigins,
        };
        var common = new ServerOptions(up, withIdleTimeout: true);
        // Checked at parse time, so a clash is a usage error (exit 2) before any store or folder is created.
        up.Validators.Add(r =>
        {
            // A validator sees only what was typed; an option left out stands at its default.
            var ports = new[]
            {
                (Option: mailboxPort, Default: MailboxServerOptions.DefaultPort),
                (Option: filesPort, Default: FilesEndpoint.DefaultUpPort),
                (Option: echoPort, Default: EchoCommand.DefaultPort),
                (Option: chatPort, Default: ChatCommand.DefaultPort),
                (Option: chatObserverPort, Default: ChatCommand.DefaultObserverPort),
                (Option: chatWebPort, Default: ChatWebOptions.DefaultUpPort),
            }.Select(p => (p.Option.Name, Port: r.GetResult(p.Option) is null ? p.Default : r.GetValue(p.Option)));
            foreach (var clash in ports.GroupBy(p => p.Port).Where(g => g.Count() > 1))
            {
                r.AddError($"{string.Join(" and ", clash.Select(p => p.Name))} are {(clash.Count() == 2 ? "both" : "all")} port {clash.Key}: each service needs a port of its own");
            }
        });
        up.SetAction(async (parse, ct) =>
        {
            var bind = common.Bind(parse);
            var limits = common.Limits(parse);
            var files = new FilesServerOptions(FilesRoot.Open(parse.GetValue(filesRoot)!, createIfMissing: true))
            {
                Limits = limits,
                AllowHardLinks = parse.GetValue(filesAllowHardLinks),
            };
            await using var store = await MailboxStoreSpec.OpenAsync(parse.GetValue(mailboxStore)!, ct);
            var chat = new ChatServerOptions { Bind = bind, Port = parse.GetValue(chatPort), ObserverPort = parse.GetValue(chatObserverPort) };
            var endpoints = new List<ListenSpec>
            {
                MailboxEndpoint.At(bind, parse.GetValue(mailboxPort)),
                FilesEndpoint.At(bind, parse.GetValue(filesPort)),
                EchoEndpoint.At(bind, parse.GetValue(echoPort)),
            };
            var chatWeb = ChatCommand.WebOptions(parse.GetValue(chatWebPort), parse.GetValue(chatAllowedOrigins));
            endpoints.AddRange(ChatEndpoint.At(chat));
            endpoints.Add(ChatWebEndpoint.At(chat, chatWeb));
            return await ServerRunner.RunAsync(
                endpoints,
                common.Host(parse),
                common.Verbosity(parse),
                services =>
                {
                    MailboxEndpoint.Register(services, new MailboxServerOptions { Limits = limits }, store);
                    FilesEndpoint.Register(services, files);
                    EchoEndpoint.Register(services, new EchoServerOptions { Limits = limits });
                    ChatEndpoint.Register(services, chat);
                    ChatWebEndpoint.Register(services, chatWeb);
                },
                ct);
        });
        return up;
    }
}
