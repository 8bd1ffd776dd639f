using Switchboard.Cli.Infrastructure;
using Switchboard.Services.Common;

using var shutdown = new ShutdownSignal();
return await CliApp.RunAsync(args, ConsoleStreams.System(), shutdown.Token);
