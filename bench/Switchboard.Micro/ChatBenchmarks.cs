using System.Buffers;
using BenchmarkDotNet.Attributes;
using Switchboard.Protocol.Chat;

namespace Switchboard.Micro;

/// <summary>Chat's frames: decoding allocates the text only; encoding a broadcast line allocates its one frame, shared by every receiver.</summary>
[MemoryDiagnoser]
public class ChatBenchmarks
{
    private ReadOnlySequence<byte> _frame;
    private string _line = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _line = "alice: the quick brown fox jumps over the lazy dog";
        _frame = new ReadOnlySequence<byte>(ChatFrameCodec.Encode(_line));
    }

    [Benchmark]
    public string Decode()
    {
        ChatFrameCodec.FromClients.TryDecode(_frame, out var text, out _, out _);
        return text;
    }

    [Benchmark]
    public byte[] Encode() => ChatFrameCodec.Encode(_line);
}
