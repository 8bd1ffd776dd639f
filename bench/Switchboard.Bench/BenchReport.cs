using System.Diagnostics;
using System.Globalization;

namespace Switchboard.Bench;

/// <summary>Shared printing for bench results, so every bench reports the same way.</summary>
public static class BenchReport
{
    public static void Machine()
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
    }

    public static void Rate(string what, long count, TimeSpan elapsed, string unit)
    {
        var rate = count / elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-48} {rate,14:N0} {unit}/s  ({count:N0} in {elapsed.TotalSeconds:0.00} s)"));
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> work)
    {
        var sw = Stopwatch.StartNew();
        await work();
        return sw.Elapsed;
    }
}
