using System.Buffers;
using BenchmarkDotNet.Attributes;
using Switchboard.Protocol.Echo;
using Switchboard.Protocol.Framing;

namespace Switchboard.Micro;

/// <summary>
/// Echo's codec. <see cref="ServerPath"/> is what the server does per message (frame, validate UTF-8, find the
/// reply, write it): it must allocate nothing. The string API (clients, tests) allocates the text and no more.
/// </summary>
[MemoryDiagnoser]
public class EchoBenchmarks
{
    private readonly EchoFrameCodec _codec = EchoFrameCodec.Default;
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private ReadOnlySequence<byte> _frame;
    private ReadOnlySequence<byte> _splitFrame;
    private string _text = string.Empty;

    [Params(15, 1024)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _text = "0123456789" + new string('é', (PayloadBytes - 10) / 2) + new string('x', (PayloadBytes - 10) % 2);
        var bytes = EchoFrameCodec.Encode(_text);
        _frame = new ReadOnlySequence<byte>(bytes);
        _splitFrame = Wire.Split(bytes, 3);
    }

    [Benchmark(Baseline = true)]
    public int ServerPath() => Answer(_frame);

    [Benchmark]
    public int ServerPathSplit() => Answer(_splitFrame);

    [Benchmark]
    public string DecodeText()
    {
        _codec.TryDecode(_frame, out var text, out _, out _);
        return text;
    }

    [Benchmark]
    public int EncodeText()
    {
        _output.ResetWrittenCount();
        return EchoFrameCodec.Encode(_output, _text);
    }

    private int Answer(in ReadOnlySequence<byte> input)
    {
        _output.ResetWrittenCount();
        _codec.Framing.TryDecode(input, out var payload, out _, out _);
        EchoFrameCodec.TryValidatePayload(payload, out _);
        var reply = payload.Slice(EchoReply.Utf8ReplyStart(payload));
        return LengthPrefixedDecoder.Write(_output, reply);
    }
}
