using System.Diagnostics;
using System.Text;

namespace Switchboard.Check.Core;

/// <summary>How the checker starts someone's program (a client per case, or a launched server).</summary>
public static class ProgramUnderTest
{
    /// <summary>
    /// <paramref name="words"/> run in <paramref name="folder"/> with every standard stream redirected as UTF-8. Python programs
    /// get UTF-8 whatever the locale and unbuffered output, so what they printed is visible at once and not lost when killed.
    /// </summary>
    public static ProcessStartInfo StartInfo(IReadOnlyList<string> words, string folder)
    {
        var info = new ProcessStartInfo(words[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        foreach (var word in words.Skip(1))
        {
            info.ArgumentList.Add(word);
        }
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.Environment["PYTHONUNBUFFERED"] = "1";
        return info;
    }
}
