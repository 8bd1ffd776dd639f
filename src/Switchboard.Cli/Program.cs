using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;

using var shutdown = new ShutdownSignal();
return await CliApp.RunAsync(args, ConsoleStreams.System(new CancellableLineReader(Console.In)), shutdown.Token);
