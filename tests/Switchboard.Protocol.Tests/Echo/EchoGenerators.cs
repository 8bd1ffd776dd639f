using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Switchboard.Protocol.Tests.Echo;

/// <summary>Text that mixes ASCII, two- and three-byte UTF-8, combining marks and astral code points (emoji).</summary>
internal static class EchoGenerators
{
    public static Arbitrary<string> Text() => Gen.OneOf(
            Gen.Choose(0x20, 0x7E),
            Gen.Choose(0x80, 0x7FF),
            Gen.Choose(0x300, 0x36F),
            Gen.Choose(0x800, 0xD7FF),
            Gen.Choose(0xE000, 0xFFFF),
            Gen.Choose(0x1F300, 0x1FAFF),
            Gen.Choose(0x10000, 0x10FFFF))
        .ListOf()
        .Select(codePoints =>
        {
            var text = new StringBuilder();
            foreach (var cp in codePoints)
            {
                text.Append(char.ConvertFromUtf32(cp));
            }
            return text.ToString();
        })
        .ToArbitrary();
}
