namespace Switchboard.Cli.Terminal;

/// <summary>
/// The three standard streams a client talks through: data on <see cref="Out"/>, prompts, notices and
/// errors on <see cref="Error"/>. Injected so tests can script a whole session in process.
/// </summary>
public sealed record ConsoleStreams(TextReader In, TextWriter Out, TextWriter Error, bool InIsTerminal = false, bool ErrorIsTerminal = false)
{
    /// <summary>The process's real console.</summary>
    /// <param name="input">Standard input as the program should read it; the CLI passes a reader whose
    /// <c>ReadLineAsync(CancellationToken)</c> honours cancellation, which <see cref="Console.In"/> does not.</param>
    public static ConsoleStreams System(TextReader? input = null) =>
        new(input ?? Console.In, Console.Out, Console.Error, !Console.IsInputRedirected, !Console.IsErrorRedirected);
}
