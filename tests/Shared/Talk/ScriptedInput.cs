using System.IO.Pipelines;
using System.Text;

namespace Switchboard.Tests.Shared.Talk;

/// <summary>
/// Standard input a test types into while the program runs, so a scripted user can answer only after
/// seeing the other side's line (a StringReader would hand over everything at once).
/// </summary>
public sealed class ScriptedInput : IDisposable
{
    private readonly Pipe _pipe = new();

    public ScriptedInput() => Reader = new StreamReader(_pipe.Reader.AsStream(), Encoding.UTF8);

    public TextReader Reader { get; }

    /// <summary>Types <paramref name="line"/> and presses Enter.</summary>
    public async Task TypeAsync(string line)
    {
        await _pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
    }

    /// <summary>Ends the input, as Ctrl+D at a terminal or the end of a piped file.</summary>
    public void End() => _pipe.Writer.Complete();

    public void Dispose()
    {
        _pipe.Writer.Complete();
        Reader.Dispose();
    }
}
