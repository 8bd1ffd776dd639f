using System.Net;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Conformance;

/// <summary>
/// What <see cref="ServerConformanceTests"/> needs to know about one service: how to run its server and
/// what one good exchange looks like on the wire. Each service implements one.
/// </summary>
public abstract class ProtocolFixture : IAsyncDisposable
{
    /// <summary>The gap timeout every conformance server runs with: short, so the stall case finishes quickly.</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(300);

    /// <summary>The port the server under test listens on (127.0.0.1).</summary>
    public abstract int Port { get; }

    /// <summary>Everything the server logged (debug level included).</summary>
    public abstract TestLogSink Logs { get; }

    /// <summary>
    /// True when a connection carries a sequence of requests (echo, chat); false when it carries one request
    /// and the server closes after answering (mailbox, files).
    /// </summary>
    public abstract bool LongLived { get; }

    /// <summary>One valid request (or frame), exactly as a client sends it.</summary>
    public abstract byte[] ValidRequest { get; }

    /// <summary>
    /// A header announcing a length the server must refuse from the header alone: over its limit, or (where every
    /// value of the field is within limits) one the record's kind forbids.
    /// </summary>
    public abstract byte[] OversizedHeader { get; }

    /// <summary>A fragment of the line the server logs when it refuses <see cref="OversizedHeader"/>.</summary>
    public abstract string OversizedLogFragment { get; }

    /// <summary>A fragment of the line the server logs when bytes follow a one-request protocol's record.</summary>
    public virtual string TrailingBytesLogFragment => string.Empty;

    /// <summary>Starts the server in process on port 0 with <see cref="Gap"/> as its gap timeout.</summary>
    public abstract Task StartAsync();

    /// <summary>Connects and does whatever a client must do before sending <see cref="ValidRequest"/> (e.g. chat's join).</summary>
    public virtual async Task<RawTcp> ConnectAsync() => await RawTcp.ConnectAsync(Port, IPAddress.Loopback);

    /// <summary>
    /// Reads and checks the answer to one <see cref="ValidRequest"/>. For a one-request protocol this includes
    /// the way the server ends the connection.
    /// </summary>
    public abstract Task ExpectValidResponseAsync(RawTcp client);

    /// <summary>One-request protocols: checks how the server ends a connection whose record was followed by more bytes.</summary>
    public virtual Task ExpectTrailingBytesRejectedAsync(RawTcp client) =>
        throw new NotSupportedException("only one-request protocols reject trailing bytes");

    public abstract ValueTask DisposeAsync();
}
