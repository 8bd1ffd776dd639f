namespace Switchboard.Check.Launch;

/// <summary>
/// The server command under test in launch mode (<c>switchboard check SERVICE server -- COMMAND ARGS...</c>).
/// <c>{port}</c> is replaced by a free port the checker chose; a command without it gets the port appended,
/// which is how the handouts' servers take it (<c>python3 server.py PORT</c>).
/// </summary>
public sealed class ServerCommand
{
    public const string PortToken = "{port}";

    private readonly IReadOnlyList<string> _template;

    public ServerCommand(IReadOnlyList<string> command)
    {
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new ArgumentException("the server command is empty", nameof(command));
        }
        _template = command;
    }

    /// <summary>The command as given, for reports.</summary>
    public string Display => string.Join(' ', _template.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));

    /// <summary>The words to run for <paramref name="port"/> (the program is the first).</summary>
    public IReadOnlyList<string> Expand(int port)
    {
        var text = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var words = _template.Select(w => w.Replace(PortToken, text, StringComparison.Ordinal)).ToList();
        if (!_template.Any(w => w.Contains(PortToken, StringComparison.Ordinal)))
        {
            words.Add(text);
        }
        return words;
    }
}
