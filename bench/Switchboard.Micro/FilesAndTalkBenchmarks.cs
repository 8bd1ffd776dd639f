using System.Buffers;
using BenchmarkDotNet.Attributes;
using Switchboard.Protocol.Files;
using Switchboard.Protocol.Talk;

namespace Switchboard.Micro;

/// <summary>The files request and response header, and one talk line.</summary>
[MemoryDiagnoser]
public class FilesAndTalkBenchmarks
{
    private readonly byte[] _header = new byte[16];
    private ReadOnlySequence<byte> _request;
    private ReadOnlySequence<byte> _line;

    [GlobalSetup]
    public void Setup()
    {
        _request = new ReadOnlySequence<byte>(FileRequestCodec.Encode(FileRequest.For("pictures/holiday-2024.jpg")));
        _line = new ReadOnlySequence<byte>(TalkLineEncoder.Encode("see you at the station at five"));
    }

    [Benchmark]
    public FileRequest DecodeFileRequest()
    {
        FileRequestCodec.Instance.TryDecode(_request, out var request, out _, out _);
        return request;
    }

    [Benchmark]
    public int WriteFileResponseHeader()
    {
        FileResponseCodec.WriteHeader(_header, new FileResponseHeader(true, 123_456));
        return _header[0];
    }

    [Benchmark]
    public string DecodeTalkLine()
    {
        TalkLineDecoder.Default.TryDecode(_line, out var text, out _, out _);
        return text;
    }
}
