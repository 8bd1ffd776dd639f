using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Switchboard.Micro -- --filter '*'   (or --list flat)
BenchmarkSwitcher.FromAssembly(typeof(Switchboard.Micro.Wire).Assembly).Run(args);
