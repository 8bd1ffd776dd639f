namespace Switchboard.Services.Common;

/// <summary>
/// The three standard streams a client talks through: data on <see cref="Out"/>, prompts, notices and
/// errors on <see cref="Error"/>. Injected so tests can script a whole session in process.
/// </summary>
public sealed record ConsoleStreams(TextReader In, TextWriter Out, TextWriter Error, bool InIsTerminal = false, bool ErrorIsTerminal = false)
{
    /// <summary>The process's real console.</summary>
    public static ConsoleStreams System() =>
        new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected, !Console.IsErrorRedirected);
}
