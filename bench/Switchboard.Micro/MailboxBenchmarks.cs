using System.Buffers;
using BenchmarkDotNet.Attributes;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Micro;

/// <summary>The mailbox request (decoded once per connection) and a response item (written per message read).</summary>
[MemoryDiagnoser]
public class MailboxBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly MailboxMessage _message = new("alice", "hello there, how are you today?");
    private ReadOnlySequence<byte> _create;
    private ReadOnlySequence<byte> _splitCreate;

    [GlobalSetup]
    public void Setup()
    {
        var bytes = MessageRequestCodec.Encode(MessageRequest.Create("alice", "bob", "hello there, how are you today?"));
        _create = new ReadOnlySequence<byte>(bytes);
        _splitCreate = Wire.Split(bytes, 4);
    }

    [Benchmark]
    public MessageRequest DecodeCreate()
    {
        MessageRequestCodec.Instance.TryDecode(_create, out var request, out _, out _);
        return request;
    }

    [Benchmark]
    public MessageRequest DecodeCreateSplit()
    {
        MessageRequestCodec.Instance.TryDecode(_splitCreate, out var request, out _, out _);
        return request;
    }

    [Benchmark]
    public int WriteResponseItem()
    {
        _output.ResetWrittenCount();
        return MessageResponseCodec.WriteItem(_output, _message);
    }
}
