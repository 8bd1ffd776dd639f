using Switchboard.Bench;

// Each service's load generator prints its figures and, where there is one, a ratio against a named
// peer measured in the same run. Run with -c Release: dotnet run -c Release --project bench/Switchboard.Bench -- NAME
var benches = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["mailbox"] = MailboxBench.RunAsync,
    ["connection-floor"] = ConnectionFloorBench.RunAsync,
    ["files"] = FilesBench.RunAsync,
    ["echo"] = EchoBench.RunAsync,
    ["chat"] = ChatBench.RunAsync,
};

if (args.Length == 0 || !benches.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Switchboard.Bench {{{string.Join('|', benches.Keys)}}} [options]");
    return 2;
}
return await run(args[1..]);
