using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Mailbox;

/// <summary>Settings of one mailbox server.</summary>
public sealed record MailboxServerOptions
{
    /// <summary>The handout's port range (1,024–64,000), enforced by the CLI.</summary>
    public const int MinPort = 1024;
    public const int MaxPort = 64000;
    public const int DefaultPort = 5000;

    public TransportLimits Limits { get; init; } = TransportLimits.Default;
}
