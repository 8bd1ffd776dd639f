using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Transport.Client;

/// <summary>
/// A connected client socket exposed as pipes, so clients read frames with the same decoders and
/// <see cref="Framing.PipeFrameReader"/> the servers use.
/// </summary>
public sealed class ClientConnection : IAsyncDisposable
{
    private readonly NetworkStream _stream;

    private ClientConnection(Socket socket)
    {
        Socket = socket;
        RemoteEndPoint = socket.RemoteEndPoint!;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public Socket Socket { get; }

    public EndPoint RemoteEndPoint { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Wraps an already connected socket (tests, accepted sockets); takes ownership.</summary>
    public static ClientConnection FromSocket(Socket socket) => new(socket);

    /// <inheritdoc cref="TcpConnector.ConnectAsync"/>
    public static async Task<ClientConnection> ConnectAsync(string host, int port, TimeSpan perAddressTimeout, CancellationToken cancellationToken)
        => new(await TcpConnector.ConnectAsync(host, port, perAddressTimeout, cancellationToken).ConfigureAwait(false));

    /// <summary>Half-closes: tells the peer nothing more will be sent, while still reading its answer.</summary>
    public void ShutdownSend()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to tell it.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync().ConfigureAwait(false);
        try
        {
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Flushing leftovers to a peer that has gone: nothing to deliver.
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
