using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox;
using Switchboard.Tests.Shared.Mailbox;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Mailbox;

/// <summary>The client API: values in, results out (its terminal side is tested in the CLI's tests).</summary>
public sealed class MailboxClientTests
{
    private static readonly MailboxClient Client = new(new TransportLimits { GapTimeout = TimeSpan.FromMilliseconds(300) });

    [Fact]
    public async Task Read_hands_over_each_message_and_reports_more_waiting()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies(MessageResponseCodec.Encode([new("alice", "hi"), new("Zoë", "☃")], moreMessages: true)));
        var received = new List<MailboxMessage>();
        var result = await Client.ReadAsync("127.0.0.1", fake.Port, "bob", m => { received.Add(m); return ValueTask.CompletedTask; }, default);
        result.ShouldBe(new MailboxReadResult(2, true));
        received.ShouldBe([new("alice", "hi"), new("Zoë", "☃")]);
    }

    [Fact]
    public async Task Trailing_bytes_after_the_response_are_an_error()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies([.. MessageResponseCodec.Encode([], false), 1, 2, 3]));
        var error = await Should.ThrowAsync<ProtocolViolationException>(() => Client.ReadAsync("127.0.0.1", fake.Port, "bob", _ => ValueTask.CompletedTask, default));
        error.Message.ShouldContain("3 bytes after the last of 0 messages");
    }

    [Fact]
    public async Task Create_checks_its_values_before_connecting()
    {
        (await Should.ThrowAsync<InvalidValueException>(() => Client.CreateAsync("127.0.0.1", 1, "al", "", "hi", default))).Message.ShouldBe("the receiver name must not be empty");
        (await Should.ThrowAsync<InvalidValueException>(() => Client.CreateAsync("127.0.0.1", 1, "al", "bob", new string('m', 65_535), default)))
            .Message.ShouldBe("the message is 65535 bytes in UTF-8, at most 65534 allowed");
    }
}
