namespace Switchboard.Check.Core;

/// <summary>Every suite the checker knows. One line a suite (namespace-qualified, so no using lines to merge).</summary>
public static class CheckSuites
{
    public static IReadOnlyList<ICheckSuite> All { get; } =
    [
        new Mailbox.MailboxServerSuite(),
        new Mailbox.MailboxClientSuite(),
        new Files.FilesServerSuite(),
        new Files.FilesClientSuite(),
        new Echo.EchoServerSuite(),
        new Talk.TalkServerSuite(),
        new Talk.TalkClientSuite(),
        new Chat.ChatServerSuite(),
    ];

    /// <summary>The services with at least one suite, in registry order.</summary>
    public static IReadOnlyList<string> Services => All.Select(s => s.Service).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The suite for <paramref name="service"/> in <paramref name="mode"/>, or null when there is none.</summary>
    public static ICheckSuite? Find(string service, CheckMode mode) =>
        All.FirstOrDefault(s => s.Service == service && s.Mode == mode);
}
