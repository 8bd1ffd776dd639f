using System.Buffers;
using Switchboard.Protocol;
using Switchboard.Protocol.Echo;

namespace Switchboard.Services.Echo;

/// <summary>
/// Bytes received and not yet decoded, for one connection. Each receive is offered at most
/// <c>bufferSize</c> bytes of space (the handout's <c>recv(bufferSize)</c>); bytes past the end of a
/// message stay here for the next one. The store grows only as bytes actually arrive, so a payload_length
/// that lies costs nothing, and it shrinks back once a large message has been taken.
/// Not thread-safe: one receiver at a time.
/// </summary>
internal sealed class EchoFrameBuffer
{
    private const int MinimumCapacity = 256;
    private const int KeepAfterLargeMessage = 64 * 1024;

    private readonly EchoFrameCodec _codec;
    private readonly int _bufferSize;
    private byte[] _bytes;
    private int _start;
    private int _end;

    public EchoFrameBuffer(int bufferSize, EchoFrameCodec codec)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        _bufferSize = bufferSize;
        _codec = codec;
        _bytes = new byte[Math.Max(bufferSize, MinimumCapacity)];
    }

    /// <summary>Bytes received and not yet taken as part of a message.</summary>
    public int Buffered => _end - _start;

    /// <summary>Where the next receive writes: never more than bufferSize bytes.</summary>
    public Memory<byte> GetReceiveMemory()
    {
        MakeRoom();
        return _bytes.AsMemory(_end, _bufferSize);
    }

    /// <summary>Records that a receive wrote <paramref name="count"/> bytes into <see cref="GetReceiveMemory"/>.</summary>
    public void Advance(int count)
    {
        if (count < 0 || count > _bytes.Length - _end)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "more bytes than the receive memory offered");
        }
        _end += count;
    }

    /// <summary>Takes the next whole message when it has arrived.</summary>
    public DecodeStatus TryTake(out string payload, out DecodeError error)
    {
        var pending = new ReadOnlySequence<byte>(_bytes, _start, _end - _start);
        var status = _codec.TryDecode(pending, out payload, out var consumed, out error);
        if (status == DecodeStatus.Complete)
        {
            _start += (int)pending.Slice(pending.Start, consumed).Length;
            if (_start == _end)
            {
                _start = _end = 0;
                if (_bytes.Length > Math.Max(KeepAfterLargeMessage, 4 * _bufferSize))
                {
                    _bytes = new byte[Math.Max(_bufferSize, MinimumCapacity)];
                }
            }
        }
        return status;
    }

    private void MakeRoom()
    {
        if (_bytes.Length - _end >= _bufferSize)
        {
            return;
        }
        var used = _end - _start;
        var needed = used + _bufferSize;
        if (_bytes.Length >= needed)
        {
            _bytes.AsSpan(_start, used).CopyTo(_bytes);
        }
        else
        {
            // Doubling keeps reassembly of a long message linear; the announced length (already checked
            // against the limit) caps the doubling so a 16 MiB message does not leave a 32 MiB store.
            var target = Math.Max(needed, (int)Math.Min(Array.MaxLength, 2L * _bytes.Length));
            if (TryAnnouncedFrameSize(out var frameSize))
            {
                target = Math.Max(needed, (int)Math.Min(target, (long)frameSize + _bufferSize));
            }
            var grown = new byte[target];
            _bytes.AsSpan(_start, used).CopyTo(grown);
            _bytes = grown;
        }
        _start = 0;
        _end = used;
    }

    private bool TryAnnouncedFrameSize(out long frameSize)
    {
        var pending = new ReadOnlySequence<byte>(_bytes, _start, _end - _start);
        var known = _codec.TryReadLength(pending, out var payloadLength, out _) == DecodeStatus.Complete;
        frameSize = EchoWire.HeaderSize + (long)payloadLength;
        return known;
    }
}
