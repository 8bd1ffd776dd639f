using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Switchboard.Protocol;
using Switchboard.Protocol.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Framing;

/// <summary>
/// Reads <c>[u32 length][payload]</c> frames from one connection's <see cref="PipeReader"/>, including frames far
/// larger than the pipe may hold, for long-lived length-prefixed services (echo, chat).
/// </summary>
/// <remarks>
/// <para>Small frames (at most <see cref="FrameReaderLimits.StreamAbove"/> bytes, or any frame already wholly
/// buffered) are returned as a slice of the pipe, without copying. A larger frame is streamed: once its prefix is
/// known, its length is reserved from the shared <see cref="FrameMemoryBudget"/> (refused with
/// <see cref="FrameBudgetExceededException"/> when it does not fit), a pooled buffer is rented, and bytes are
/// copied into it and consumed from the pipe as they arrive, so the pipe never fills and stalls the socket.</para>
/// <para>A frame returned by <see cref="ReadAsync"/> or <see cref="TryReadBuffered"/> stays valid until the next
/// call to either, to <see cref="ReleaseFrame"/>, or to <see cref="Dispose"/>, which also gives back any rented
/// buffer and reservation (call it when the connection ends, in a finally).</para>
/// <para>Timing, when configured: silence between frames is bounded by the idle timeout; from a frame's first byte
/// the gap rule and the whole-frame deadline apply. A read may be resumed after a per-call cancellation: bytes
/// already received are kept. One reader per connection; not thread-safe.</para>
/// </remarks>
public sealed class LengthPrefixedFrameReader : IDisposable
{
    private readonly PipeReader _input;
    private readonly LengthPrefixedDecoder _decoder;
    private readonly string _record;
    private readonly FrameMemoryBudget _budget;
    private readonly FrameReaderLimits _limits;
    private readonly CancellationToken _stop;
    private readonly GapTimer? _gap;
    private readonly GapTimer? _idle;

    // The slice frame last returned ends here; the pipe is advanced to it on release.
    private SequencePosition? _pendingAdvance;

    // The frame being streamed into a buffer of its own.
    private byte[]? _rented;
    private int _length;
    private int _filled;
    private long _reserved;
    private bool _streamedFrameReturned;
    private bool _inFrame;

    /// <param name="record">The record's name for error messages (e.g. <c>EchoMessage</c>).</param>
    /// <param name="budget">Shared by all connections of a server; <see cref="FrameMemoryBudget.Unlimited"/> when null.</param>
    /// <param name="limits">Time limits and the streaming threshold; <see cref="FrameReaderLimits.None"/> when null.</param>
    /// <param name="stop">Ends every read (server stopping, connection aborted); surfaces as <see cref="OperationCanceledException"/>.</param>
    public LengthPrefixedFrameReader(
        PipeReader input, LengthPrefixedDecoder decoder, string record, FrameMemoryBudget? budget = null, FrameReaderLimits? limits = null, CancellationToken stop = default)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        _record = record;
        _budget = budget ?? FrameMemoryBudget.Unlimited;
        _limits = limits ?? FrameReaderLimits.None;
        ArgumentOutOfRangeException.ThrowIfLessThan(_limits.StreamAbove, LengthPrefixedDecoder.HeaderSize, nameof(limits));
        _stop = stop;
        if (_limits.GapTimeout is { } gap)
        {
            _gap = new GapTimer(gap, stop);
        }
        if (_limits.IdleTimeout is { } idle)
        {
            _idle = new GapTimer(idle, stop);
        }
    }

    /// <summary>
    /// Waits for the next whole frame (releasing the previous one first). Returns
    /// <see cref="FrameReadResult{TFrame}.Closed"/> when the peer closed cleanly between frames.
    /// </summary>
    /// <param name="cancellationToken">Cancels this call only; bytes already received are kept for the next call.</param>
    /// <exception cref="ProtocolViolationException">The length is over the limit (<c>frame-too-large</c>).</exception>
    /// <exception cref="FrameBudgetExceededException">The frame is larger than what is left of the budget.</exception>
    /// <exception cref="PeerClosedException">The peer closed part-way through a frame.</exception>
    /// <exception cref="PeerTimeoutException">Idle timeout, gap rule or whole-frame deadline.</exception>
    // Pooled: on a long-lived connection nearly every read waits, and each wait would otherwise box this method's state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameReadResult<ReadOnlySequence<byte>>> ReadAsync(CancellationToken cancellationToken = default)
    {
        ReleaseFrame();
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((PipeReader)s!).CancelPendingRead(), _input)
            : default;
        while (true)
        {
            var result = await ReadOnceAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start);
                // Not ours when the token has not fired: a cancellation of an earlier call that landed after it ended.
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }
            if (_rented is not null)
            {
                if (ContinueStreaming(buffer, result.IsCompleted))
                {
                    return StreamedFrame();
                }
                continue;
            }
            if (buffer.IsEmpty)
            {
                _input.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return FrameReadResult<ReadOnlySequence<byte>>.Closed;
                }
                continue;
            }
            BeginFrame();
            if (TryTakeFromPipe(buffer, out var frame))
            {
                return FrameReadResult<ReadOnlySequence<byte>>.Of(frame);
            }
            if (_rented is not null)
            {
                // The prefix asked for streaming: copy what is here already, then keep reading.
                if (ContinueStreaming(buffer.Slice(LengthPrefixedDecoder.HeaderSize), result.IsCompleted))
                {
                    return StreamedFrame();
                }
                continue;
            }
            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                throw ClosedMidFrame(buffer.Length);
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
            Progress();
        }
    }

    /// <summary>
    /// Returns the next frame only if it is already wholly in the pipe, without waiting (releasing the previous
    /// frame first). Lets a server answer pipelined frames and flush the answers once.
    /// </summary>
    /// <exception cref="ProtocolViolationException">The next frame's length is over the limit.</exception>
    public bool TryReadBuffered(out ReadOnlySequence<byte> frame)
    {
        ReleaseFrame();
        frame = ReadOnlySequence<byte>.Empty;
        if (_rented is not null || !_input.TryRead(out var result))
        {
            return false;
        }
        var buffer = result.Buffer;
        if (result.IsCanceled || buffer.IsEmpty)
        {
            _input.AdvanceTo(buffer.Start);
            return false;
        }
        var status = _decoder.TryDecode(buffer, out frame, out var consumed, out _);
        if (status == DecodeStatus.Complete)
        {
            _pendingAdvance = consumed;
            return true;
        }
        // Incomplete or invalid: left unexamined, so the next ReadAsync sees it at once and reports or waits.
        _input.AdvanceTo(buffer.Start);
        frame = ReadOnlySequence<byte>.Empty;
        return false;
    }

    /// <summary>Gives the last frame's bytes back: advances the pipe past it, or returns its buffer and reservation.</summary>
    public void ReleaseFrame()
    {
        if (_pendingAdvance is { } position)
        {
            _pendingAdvance = null;
            _input.AdvanceTo(position);
        }
        if (_streamedFrameReturned)
        {
            _streamedFrameReturned = false;
            ReturnBuffer();
        }
    }

    /// <summary>Returns any rented buffer and budget reservation, and stops the timers. The pipe itself belongs to the connection.</summary>
    public void Dispose()
    {
        _pendingAdvance = null;
        _streamedFrameReturned = false;
        ReturnBuffer();
        _gap?.Dispose();
        _idle?.Dispose();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadOnceAsync()
    {
        var idle = !_inFrame && _rented is null;
        var timer = idle && _idle is not null ? _idle : _gap;
        if (idle && _idle is not null)
        {
            _idle.Restart();
        }
        try
        {
            return await _input.ReadAsync(timer?.Token ?? _stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer is not null && timer.HasExpired)
        {
            if (ReferenceEquals(timer, _idle))
            {
                throw new PeerTimeoutException(
                    $"no {_record} for {Seconds(timer.Gap)} s (idle timeout)", "idle-timeout");
            }
            throw timer.Expired($"reading {_record}");
        }
        finally
        {
            _idle?.Pause();
        }
    }

    /// <summary>Decodes a frame wholly in <paramref name="buffer"/>, or starts streaming a large one (then false, with <see cref="_rented"/> set).</summary>
    private bool TryTakeFromPipe(in ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = ReadOnlySequence<byte>.Empty;
        var status = _decoder.TryReadLength(buffer, out var length, out var error);
        if (status == DecodeStatus.Invalid)
        {
            _input.AdvanceTo(buffer.Start, buffer.End);
            throw new ProtocolViolationException(_record, error);
        }
        if (status == DecodeStatus.Incomplete)
        {
            return false;
        }
        long total = LengthPrefixedDecoder.HeaderSize + (long)length;
        if (buffer.Length >= total)
        {
            frame = buffer.Slice(LengthPrefixedDecoder.HeaderSize, length);
            _pendingAdvance = frame.End;
            EndFrame();
            return true;
        }
        if (total > _limits.StreamAbove)
        {
            if (!_budget.TryReserve(length))
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                throw new FrameBudgetExceededException(string.Create(CultureInfo.InvariantCulture,
                    $"{_record} of {Utf8Text.Bytes(length)} refused: the server's budget for incomplete frames ({Utf8Text.Bytes(_budget.LimitBytes)}) has {Utf8Text.Bytes(Math.Max(0, _budget.LimitBytes - _budget.ReservedBytes))} left"));
            }
            _reserved = length;
            _length = length;
            _filled = 0;
            _rented = ArrayPool<byte>.Shared.Rent(length);
        }
        return false;
    }

    /// <summary>Copies payload bytes into the frame's own buffer and consumes them from the pipe; true once the frame is whole.</summary>
    private bool ContinueStreaming(in ReadOnlySequence<byte> payload, bool completed)
    {
        var take = (int)Math.Min(payload.Length, _length - _filled);
        var part = payload.Slice(0, take);
        part.CopyTo(_rented.AsSpan(_filled));
        _filled += take;
        _input.AdvanceTo(part.End);
        if (_filled == _length)
        {
            EndFrame();
            return true;
        }
        if (completed)
        {
            throw ClosedMidFrame(LengthPrefixedDecoder.HeaderSize + (long)_filled);
        }
        if (take > 0)
        {
            Progress();
        }
        return false;
    }

    private FrameReadResult<ReadOnlySequence<byte>> StreamedFrame()
    {
        _streamedFrameReturned = true;
        return FrameReadResult<ReadOnlySequence<byte>>.Of(new ReadOnlySequence<byte>(_rented!, 0, _length));
    }

    private void ReturnBuffer()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
        if (_reserved > 0)
        {
            _budget.Release(_reserved);
            _reserved = 0;
        }
    }

    /// <summary>The first byte of a frame is here: from now on the gap rule and the whole-frame deadline apply.</summary>
    private void BeginFrame()
    {
        if (_inFrame)
        {
            return;
        }
        _inFrame = true;
        if (_gap is null)
        {
            return;
        }
        if (_limits.RequestTimeout is { } deadline)
        {
            _gap.StartDeadline(deadline);
        }
        else
        {
            _gap.Restart();
        }
    }

    private void Progress() => _gap?.Restart();

    private void EndFrame()
    {
        _inFrame = false;
        if (_gap is not null)
        {
            _gap.ClearDeadline();
            _gap.Pause();
        }
    }

    private PeerClosedException ClosedMidFrame(long received) =>
        new($"connection closed after {Utf8Text.Bytes(received)} of an incomplete {_record}");

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
