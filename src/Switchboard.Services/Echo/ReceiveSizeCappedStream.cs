using System.Net.Sockets;

namespace Switchboard.Services.Echo;

/// <summary>
/// A socket stream whose every read asks the socket for at most a given number of bytes: the handout's
/// <c>recv(buffer_size)</c>, kept literal for <see cref="BufferedClient"/> as the specification promises.
/// Does not own the socket.
/// </summary>
internal sealed class ReceiveSizeCappedStream(Socket socket, int maxReceive) : NetworkStream(socket, ownsSocket: false)
{
    public override int Read(Span<byte> buffer) => base.Read(Cap(buffer));

    public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, maxReceive));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        base.ReadAsync(buffer.Length > maxReceive ? buffer[..maxReceive] : buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        base.ReadAsync(buffer, offset, Math.Min(count, maxReceive), cancellationToken);

    private Span<byte> Cap(Span<byte> buffer) => buffer.Length > maxReceive ? buffer[..maxReceive] : buffer;
}
