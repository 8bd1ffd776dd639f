using Switchboard.Check.Core;

namespace Switchboard.Check.Tests.Core;

public sealed class ClientProgramTests
{
    private static readonly ClientInvocation Run = new("127.0.0.1", "5000", ["alice", "read"]);

    [Fact]
    public void A_command_without_placeholders_gets_host_port_and_the_rest_appended()
    {
        var program = new ClientProgram(["python3", "client.py"]);
        program.Expand(Run).ShouldBe(["python3", "client.py", "127.0.0.1", "5000", "alice", "read"]);
        program.ArgumentsFixed.ShouldBeFalse();
    }

    [Fact]
    public void Host_and_port_placeholders_are_replaced_and_the_rest_is_fixed_by_the_command()
    {
        var program = new ClientProgram(["python3", "client.py", "{host}", "{port}", "bob", "read"]);
        program.Expand(Run).ShouldBe(["python3", "client.py", "127.0.0.1", "5000", "bob", "read"]);
        program.ArgumentsFixed.ShouldBeTrue();
    }

    [Fact]
    public void The_args_placeholder_takes_the_cases_arguments_as_separate_words()
    {
        var program = new ClientProgram(["python3", "client.py", "--server={host}:{port}", "{args}"]);
        program.Expand(Run).ShouldBe(["python3", "client.py", "--server=127.0.0.1:5000", "alice", "read"]);
        program.ArgumentsFixed.ShouldBeFalse();
    }
}
