using System.CommandLine;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Protocol;
using Switchboard.Services.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Cli.Commands;

/// <summary><c>switchboard mailbox server|client</c> (handout 000).</summary>
public static class MailboxCommand
{
    public static Command Create(ConsoleStreams console)
    {
        var command = new Command("mailbox", "Store-and-forward messages (handout 000): durable server and read/create client.");
        command.Subcommands.Add(Server());
        command.Subcommands.Add(Client(console));
        return command;
    }

    private static Command Server()
    {
        var port = CliArguments.Port(MailboxServerOptions.MinPort, MailboxServerOptions.MaxPort);
        var store = StoreOption("--store");
        var server = new Command("server", "Run the mailbox server.") { port, store };
        var common = new ServerOptions(server);
        server.SetAction(async (parse, ct) =>
        {
            await using var opened = await MailboxStoreSpec.OpenAsync(parse.GetValue(store)!, ct);
            var options = new MailboxServerOptions { Limits = common.Limits(parse) };
            return await ServerRunner.RunAsync(
                [MailboxEndpoint.At(common.Bind(parse), parse.GetValue(port))],
                common.Host(parse),
                common.Verbosity(parse),
                services => MailboxEndpoint.Register(services, options, opened),
                ct);
        });
        return server;
    }

    private static Command Client(ConsoleStreams console)
    {
        var host = CliArguments.Host();
        var port = CliArguments.Port(MailboxServerOptions.MinPort, MailboxServerOptions.MaxPort);
        var user = new Argument<string>("USER") { Description = "your user name (1-255 bytes)" };
        user.Validators.Add(r =>
        {
            try
            {
                MailboxClient.ValidateUser(r.GetValueOrDefault<string>() ?? string.Empty);
            }
            catch (InvalidValueException e)
            {
                r.AddError(e.Message);
            }
        });
        var type = new Argument<string>("TYPE") { Description = "read: fetch your messages; create: send one" };
        type.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is not ("read" or "create"))
            {
                r.AddError($"TYPE '{value}' is not a request type: use read or create");
            }
        });
        var client = new Command("client", "Read your messages, or create one (prompts for receiver and text).") { host, port, user, type };
        client.SetAction(async (parse, ct) =>
        {
            var mailbox = new MailboxTerminal(console, new MailboxClient(TransportLimits.Default));
            if (parse.GetValue(type) == "create")
            {
                await mailbox.CreateAsync(parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(user)!, ct);
            }
            else
            {
                await mailbox.ReadAsync(parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(user)!, ct);
            }
            return ExitCodes.Success;
        });
        return client;
    }

    /// <summary><c>--store sqlite:PATH|memory</c>, validated at parse time.</summary>
    public static Option<string> StoreOption(string name)
    {
        var store = new Option<string>(name)
        {
            Description = "where messages wait: sqlite:PATH (durable) or memory (volatile)",
            HelpName = "sqlite:PATH|memory",
            DefaultValueFactory = _ => MailboxStoreSpec.Default,
        };
        store.Validators.Add(r =>
        {
            try
            {
                MailboxStoreSpec.Validate(r.GetValueOrDefault<string>() ?? string.Empty);
            }
            catch (InvalidValueException e)
            {
                r.AddError(e.Message);
            }
        });
        return store;
    }
}
