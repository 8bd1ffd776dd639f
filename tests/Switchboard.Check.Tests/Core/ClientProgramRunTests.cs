using System.Globalization;
using Switchboard.Check.Core;
using Switchboard.Tests.Shared;

namespace Switchboard.Check.Tests.Core;

public sealed class ClientProgramRunTests
{
    private static readonly ClientInvocation Run = new("127.0.0.1", "5000", ["alice", "read"], "typed line\n");

    [Fact]
    public async Task The_client_gets_its_arguments_and_stdin_and_runs_in_its_own_temporary_folder()
    {
        var program = new ClientProgram(["sh", "-c", "echo \"$@\"; pwd; cat; echo oops >&2; exit 3", "sh"]);
        var run = await program.RunAsync(Run, TimeSpan.FromSeconds(10), CancellationToken.None);
        run.TimedOut.ShouldBeFalse();
        run.ExitCode.ShouldBe(3);
        var lines = run.Stdout.Split('\n');
        lines[0].ShouldBe("127.0.0.1 5000 alice read");
        lines[1].ShouldContain("switchboard-check-");
        Directory.Exists(lines[1]).ShouldBeFalse("the working folder is deleted after the run");
        lines[2].ShouldBe("typed line");
        run.Stderr.ShouldBe("oops\n");
    }

    [Fact]
    public async Task At_the_deadline_the_whole_process_tree_is_killed()
    {
        // The shell starts a grandchild that would outlive a kill of the shell alone.
        var program = new ClientProgram(["sh", "-c", "sleep 60 & echo $!; wait", "sh"]);
        var run = await program.RunAsync(Run, TimeSpan.FromMilliseconds(500), CancellationToken.None).Within();
        run.TimedOut.ShouldBeTrue();
        run.Describe().ShouldContain("still running after");
        var grandchild = int.Parse(run.Stdout.Trim(), CultureInfo.InvariantCulture);
        await Deadline.Until(() => !IsRunning(grandchild), $"grandchild {grandchild} killed");
    }

    [Fact]
    public async Task A_traceback_is_recognised()
    {
        var program = new ClientProgram(["python3", "-c", "import sys; raise ValueError(sys.argv[3])"]);
        var run = await program.RunAsync(Run, TimeSpan.FromSeconds(10), CancellationToken.None);
        run.HasTraceback.ShouldBeTrue();
        run.TracebackSummary.ShouldBe("\"ValueError: alice\"");
    }

    [Fact]
    public void A_program_that_does_not_exist_is_reported_before_any_case()
    {
        new ClientProgram(["no-such-program-xyz"]).FindProblem().ShouldBe("client program 'no-such-program-xyz' is not on the PATH");
        new ClientProgram(["/no/such/client.py"]).FindProblem().ShouldBe("client program '/no/such/client.py' does not exist");
        new ClientProgram(["sh"]).FindProblem().ShouldBeNull();
    }

    /// <summary>Alive and not a zombie (a killed process may stay a zombie until its parent reaps it).</summary>
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        try
        {
            var fields = File.ReadAllText(stat);
            return fields[(fields.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
