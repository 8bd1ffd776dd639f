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

    /// <summary>
    /// <paramref name="command"/> as typed. The server runs in a temporary folder of its own, so words naming an
    /// existing file relative to <paramref name="baseDirectory"/> (default: the current directory), such as
    /// <c>server.py</c> or <c>./server</c>, are made absolute. Folders are left alone: <c>--root .</c> means the
    /// server's own (temporary) folder, where the checker put its files.
    /// </summary>
    public ServerCommand(IReadOnlyList<string> command, string? baseDirectory = null)
    {
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new ArgumentException("the server command is empty", nameof(command));
        }
        var from = baseDirectory ?? Environment.CurrentDirectory;
        _template = command.Select(word => Anchor(word, from)).ToList();
        Display = string.Join(' ', command.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
    }

    /// <summary>The command as given, for reports.</summary>
    public string Display { get; }

    private static string Anchor(string word, string from)
    {
        if (word.Length == 0 || word.Contains('{', StringComparison.Ordinal) || Path.IsPathRooted(word) || word.StartsWith('-'))
        {
            return word;
        }
        var full = Path.GetFullPath(word, from);
        return File.Exists(full) ? full : word;
    }

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
