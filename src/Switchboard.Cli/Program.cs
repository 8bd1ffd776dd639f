using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Transport.Sockets;

// Before anything creates a socket: the runtime reads this switch once.
InlineSocketCompletions.EnableUnlessSet();
using var shutdown = new ShutdownSignal();
return await CliApp.RunAsync(args, ConsoleStreams.System(new CancellableLineReader(Console.In)), shutdown.Token);
