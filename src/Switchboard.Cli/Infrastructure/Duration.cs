using System.Globalization;

namespace Switchboard.Cli.Infrastructure;

/// <summary>A duration given in seconds on the command line; shows as <c>1 s</c> in help rather than <c>00:00:01</c>.</summary>
public readonly record struct Duration(TimeSpan Value)
{
    public static implicit operator TimeSpan(Duration duration) => duration.Value;

    public override string ToString() => $"{Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
}
