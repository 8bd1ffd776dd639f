using System.Text;
using Microsoft.Extensions.Logging;
using Switchboard.Services.Talk;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Talk;

/// <summary>
/// Hostile callers (issue 10): random byte sequences (invalid UTF-8, over-long lines, NUL, CR without LF, lines
/// without a newline) sent in random pieces, some ended by a reset, to a server whose person answers every line.
/// Nothing may be logged as an internal error, and afterwards a normal caller must still converse.
/// More callers: <c>SWITCHBOARD_FUZZ_RECORDS=20000 dotnet test tests/Switchboard.Services.Tests --filter TalkFuzz</c>;
/// replay a run with <c>SWITCHBOARD_FUZZ_SEED</c>.
/// </summary>
public sealed class TalkFuzzTests(ITestOutputHelper output)
{
    private const int MaxLine = 2048;

    private static int Records => int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_RECORDS"), out var n) && n > 0 ? n : 3000;

    [Fact]
    public async Task Garbage_from_callers_causes_no_internal_error_and_a_normal_caller_still_converses()
    {
        var person = new AnsweringPerson();
        using var logs = new TestLogSink();
        await using var server = await TalkServer.StartAsync(
            Talking.Loopback with
            {
                MaxLineBytes = MaxLine,
                QuietPeriod = TimeSpan.FromMilliseconds(20),
                Limits = new TransportLimits { GapTimeout = TimeSpan.FromSeconds(2) },
                BusyLinger = TimeSpan.FromMilliseconds(500),
            },
            person,
            b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug),
            CancellationToken.None);

        var seed = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_SEED"), out var s) ? s : Environment.TickCount;
        var records = Records;
        var next = -1;
        var resets = 0;
        // Mostly one caller at a time, as talk serves; a second worker now and then hears the busy line instead.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(async worker =>
        {
            var random = new Random(seed + worker);
            while (Interlocked.Increment(ref next) < records)
            {
                if (!await FuzzPeer.SendAsync(server.Port, Garbage(random), random, resetOneIn: 8, maxPiece: 3000))
                {
                    Interlocked.Increment(ref resets);
                }
            }
        })).Within(TimeSpan.FromMinutes(10));

        var internalErrors = logs.Lines.Count(IsInternalError);
        output.WriteLine($"seed {seed}: {records} callers, {resets} ended by a reset (ours or the server's); {person.Heard} lines heard, " +
            $"{internalErrors} internal errors, {person.Errors} errors shown to the person, " +
            $"{logs.Lines.Count(l => l.Contains("turned away", StringComparison.Ordinal))} turned away");
        internalErrors.ShouldBe(0, $"seed {seed}:\n" + string.Join("\n", logs.Lines.Where(IsInternalError).Take(5)));

        await Deadline.Until(() => logs.Lines.Count(l => l.Contains("conversation ended", StringComparison.Ordinal) || l.Contains("turned away", StringComparison.Ordinal)) >= records,
            "every fuzz call over", TimeSpan.FromSeconds(30));
        await using var caller = await HandoutPeer.ConnectAsync(server.Port);
        await caller.SendAsync("hello after the fuzz\n");
        (await caller.ReadLineAsync()).ShouldBe(AnsweringPerson.Answer("hello after the fuzz"));
        await caller.SendAsync("and again\n");
        (await caller.ReadLineAsync()).ShouldBe(AnsweringPerson.Answer("and again"));
    }

    private static bool IsInternalError(string line) =>
        line.Contains("internal error", StringComparison.Ordinal) || line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal);
    /// <summary>A caller's bytes: a few pieces, each a good line, a bent one, or garbage.</summary>
    private static byte[] Garbage(Random random)
    {
        var bytes = new List<byte>();
        for (var pieces = random.Next(1, 5); pieces > 0; pieces--)
        {
            var text = Encoding.UTF8.GetBytes(Text(random, random.Next(0, 40)));
            switch (random.Next(12))
            {
                case 0:
                case 1:
                case 9:
                case 10: // a good line
                    bytes.AddRange([.. text, (byte)'\n']);
                    break;
                case 2: // CRLF, or a CR alone, inside or at the end
                    bytes.AddRange([.. text, (byte)'\r', .. random.Next(2) == 0 ? "\n"u8.ToArray() : Encoding.UTF8.GetBytes(Text(random, 3))]);
                    break;
                case 3: // NUL bytes
                    bytes.AddRange([0, .. text, 0, (byte)'\n']);
                    break;
                case 4: // invalid UTF-8: a stray continuation, a lone lead byte, 0xFF, an overlong encoding
                    byte[] bad = random.Next(4) switch { 0 => [0x80], 1 => [0xE2, 0x82], 2 => [0xFF], _ => [0xC0, 0xAF] };
                    var at = random.Next(text.Length + 1);
                    bytes.AddRange([.. text[..at], .. bad, .. text[at..], (byte)'\n']);
                    break;
                case 5 when random.Next(2) == 0: // over the line limit (not too often: it ends the call), with or without its newline
                    bytes.AddRange(Enumerable.Repeat((byte)'x', MaxLine + random.Next(1, 3000)));
                    if (random.Next(2) == 0)
                    {
                        bytes.Add((byte)'\n');
                    }
                    break;
                case 5:
                case 6: // right at the limit
                    bytes.AddRange([.. Enumerable.Repeat((byte)'y', MaxLine), (byte)'\n']);
                    break;
                case 7: // no newline at all
                    bytes.AddRange(text);
                    break;
                default: // random bytes
                    var noise = new byte[random.Next(1, 200)];
                    random.NextBytes(noise);
                    bytes.AddRange(noise);
                    break;
            }
        }
        return [.. bytes];
    }

    private static string Text(Random random, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var rune = random.Next(5) switch
            {
                0 => new Rune(random.Next(0xA0, 0x800)),
                1 => new Rune(random.Next(0x1F600, 0x1F650)),
                2 => new Rune(random.Next(0x01, 0x20)),
                _ => new Rune(random.Next(0x20, 0x7F)),
            };
            text.Append(rune.ToString());
        }
        return text.ToString();
    }

    /// <summary>A person who answers every line at once with a line derived from it; their input never ends.</summary>
    private sealed class AnsweringPerson : ITalkUser
    {
        private string _last = string.Empty;
        private int _heard;
        private int _errors;

        public int Heard => Volatile.Read(ref _heard);

        public int Errors => Volatile.Read(ref _errors);

        public bool InputEnded => false;

        public string? InputFailure => null;

        public static string Answer(string heard) => $"heard {heard.Length} chars";

        public Task<string?> ReadLineAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(Answer(Volatile.Read(ref _last)));

        /// <summary>Never completes: an idle server has nothing of the person's to read ahead.</summary>
        public Task<string?> PeekLineAsync() => new TaskCompletionSource<string?>().Task;

        public Task ShowLineAsync(string line)
        {
            Volatile.Write(ref _last, line);
            Interlocked.Increment(ref _heard);
            return Task.CompletedTask;
        }

        public Task ShowNoticeAsync(string text) => Task.CompletedTask;

        public Task ShowErrorAsync(string text)
        {
            Interlocked.Increment(ref _errors);
            return Task.CompletedTask;
        }
    }
}
