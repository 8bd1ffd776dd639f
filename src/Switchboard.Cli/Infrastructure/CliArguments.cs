using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using Switchboard.Transport.Hosting;

namespace Switchboard.Cli.Infrastructure;

/// <summary>Argument and option builders shared by the services, each rejecting bad values at parse time (exit 2) with the value named.</summary>
public static class CliArguments
{
    /// <summary>A port argument limited to [<paramref name="min"/>, <paramref name="max"/>], as the handout for the service says.</summary>
    public static Argument<int> Port(int min, int max, string name = "PORT") => new(name)
    {
        Description = $"TCP port, {min}-{max}",
        CustomParser = r => ParsePort(r, name, min, max),
    };

    /// <summary>A port option (<c>--port</c>) limited to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> PortOption(int min, int max, bool required = true) => new("--port", "-p")
    {
        Description = $"TCP port, {min}-{max}",
        HelpName = "PORT",
        Required = required,
        CustomParser = r => ParsePort(r, "--port", min, max),
    };

    /// <summary>An optional port option with a default, e.g. <c>--mailbox-port</c> on <c>up</c>.</summary>
    public static Option<int> PortOption(string name, int min, int max, int defaultPort) => new(name)
    {
        Description = $"TCP port, {min}-{max}",
        HelpName = "PORT",
        DefaultValueFactory = _ => defaultPort,
        CustomParser = r => ParsePort(r, name, min, max),
    };

    /// <summary>A host argument: IPv4, IPv6 or a name for the system resolver.</summary>
    public static Argument<string> Host(string name = "HOST") => new(name)
    {
        Description = "server: dotted IPv4 address, IPv6 address or host name",
    };

    /// <summary><c>--bind ADDR</c>; absent means all interfaces (dual-stack).</summary>
    public static Option<IPAddress?> Bind() => new("--bind")
    {
        Description = "address to listen on (default: all interfaces, IPv4 and IPv6)",
        HelpName = "ADDR",
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (BindAddress.TryParse(text, out var address, out var error))
            {
                return address;
            }
            r.AddError(error);
            return null;
        },
    };

    /// <summary>A positive duration in seconds, e.g. <c>--gap-timeout 1.5</c>.</summary>
    public static Option<Duration> Seconds(string name, double defaultSeconds, string description) => new(name)
    {
        Description = $"{description}, in seconds",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => new Duration(TimeSpan.FromSeconds(defaultSeconds)),
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 86_400)
            {
                return new Duration(TimeSpan.FromSeconds(s));
            }
            r.AddError($"{name} '{text}' is not a number of seconds between 0 and 86400");
            return default;
        },
    };

    /// <summary>A whole number option within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<long> Count(string name, long defaultValue, long min, long max, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            {
                return n;
            }
            r.AddError($"{name} '{text}' must be a whole number from {min} to {max}");
            return defaultValue;
        },
    };

    private static int ParsePort(ArgumentResult r, string name, int min, int max)
    {
        var text = r.Tokens.Single().Value;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            r.AddError($"{name} '{text}' is not a port number (expected {min}-{max})");
            return 0;
        }
        if (port < min || port > max)
        {
            r.AddError($"{name} {port} is out of range: must be {min}-{max}");
            return 0;
        }
        return port;
    }
}
