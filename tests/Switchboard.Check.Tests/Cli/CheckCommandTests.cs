using System.Text.Json;
using System.Xml.Linq;
using Switchboard.Services.Mailbox;
using Switchboard.Tests.Shared;

namespace Switchboard.Check.Tests.Cli;

/// <summary><c>switchboard check</c> on the command line: exit codes, selection, formats.</summary>
public sealed class CheckCommandTests
{
    private static Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => CheckCli.RunAsync(args);

    [Fact]
    public async Task Exit_0_and_a_table_with_a_summary_when_every_selected_case_passes()
    {
        await using var server = await Peers.StartOurMailboxServerAsync();
        var port = server.PortOf(MailboxServer.ServiceName).ToString();
        var (code, output, error) = await RunAsync("check", "mailbox", "server", "127.0.0.1", port, "--only", "read-empty,bad-magic", "--only", "mailbox.server.fifo-order");
        code.ShouldBe(0, error);
        output.ShouldContain("PASS  mailbox.server.read-empty");
        output.ShouldContain("PASS  mailbox.server.bad-magic");
        output.ShouldContain("PASS  mailbox.server.fifo-order");
        output.ShouldContain($"mailbox server at 127.0.0.1:{port}: 3 passed, 0 failed, 0 skipped (3 cases");
    }

    [Fact]
    public async Task Exit_1_and_the_bytes_seen_when_a_case_fails()
    {
        await using var server = await BrokenServer.StartAsync("mailbox_server.py", "ignore-magic");
        var (code, output, _) = await RunAsync("check", "mailbox", "server", "127.0.0.1", server.Port.ToString(), "--only", "bad-magic");
        code.ShouldBe(1);
        output.ShouldContain("FAIL  mailbox.server.bad-magic  a create with MagicNo 0xAE74 must be rejected, but its message was stored");
        output.ShouldContain("ae73030100"); // the read that found it: one message
    }

    [Theory]
    [InlineData("check", "mailbox", "server", "127.0.0.1", "70000")]
    [InlineData("check", "mailbox", "server", "127.0.0.1", "5000", "--only", "no-such-case")]
    [InlineData("check", "mailbox", "server", "127.0.0.1", "5000", "--skip", "bad-magic", "--only", "bad-magic")]
    [InlineData("check", "nosuchservice", "server", "127.0.0.1", "5000")]
    [InlineData("check", "mailbox", "client")]
    [InlineData("check", "mailbox", "client", "--", "/no/such/program")]
    [InlineData("check", "mailbox", "server", "127.0.0.1", "5000", "--format", "xml")]
    [InlineData("check", "mailbox", "server", "127.0.0.1", "5000", "--timeout", "0")]
    public async Task Exit_2_for_usage_errors(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);
        code.ShouldBe(2, error);
        error.ShouldStartWith("error: ");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Machine_formats_go_to_the_output_file_and_the_table_to_the_screen()
    {
        await using var server = await BrokenServer.StartAsync("mailbox_server.py", "ignore-magic");
        using var folder = new TempDirectory();
        var port = server.Port.ToString();
        string File(string name) => Path.Combine(folder.Path, name);

        (await RunAsync("check", "mailbox", "server", "127.0.0.1", port, "--only", "read-empty,bad-magic", "--format", "junit", "--output", File("junit.xml"))).Code.ShouldBe(1);
        var suite = XDocument.Load(File("junit.xml")).Root!.Element("testsuite")!;
        suite.Attribute("tests")!.Value.ShouldBe("2");
        suite.Attribute("failures")!.Value.ShouldBe("1");
        suite.Elements("testcase").Single(t => t.Attribute("name")!.Value == "bad-magic").Element("failure")!.Attribute("message")!.Value.ShouldContain("0xAE74");

        var (code, table, _) = await RunAsync("check", "mailbox", "server", "127.0.0.1", port, "--only", "read-empty,bad-magic", "--format", "gradescope", "-o", File("results.json"));
        code.ShouldBe(1);
        table.ShouldContain("FAIL  mailbox.server.bad-magic");
        using (var results = JsonDocument.Parse(await System.IO.File.ReadAllTextAsync(File("results.json"))))
        {
            results.RootElement.GetProperty("score").GetInt32().ShouldBe(1);
            var tests = results.RootElement.GetProperty("tests").EnumerateArray().ToList();
            tests.Count.ShouldBe(2);
            tests.ShouldAllBe(t => t.GetProperty("max_score").GetInt32() == 1);
            tests.Single(t => t.GetProperty("status").GetString() == "failed").GetProperty("name").GetString()!.ShouldStartWith("mailbox.server.bad-magic");
        }

        var json = await RunAsync("check", "mailbox", "server", "127.0.0.1", port, "--only", "read-empty", "--format", "json");
        json.Code.ShouldBe(0);
        using var document = JsonDocument.Parse(json.Out);
        document.RootElement.GetProperty("passed").GetInt32().ShouldBe(1);
        document.RootElement.GetProperty("cases")[0].GetProperty("verdict").GetString().ShouldBe("pass");
    }

    [Fact]
    public async Task A_client_check_runs_the_command_with_host_and_port_in_place()
    {
        var script = Peers.BrokenScript("mailbox_client.py");
        var (code, output, error) = await RunAsync("check", "mailbox", "client", "--only", "bad-magic,read-request", "--", "python3", script, "none", "{host}", "{port}", "alice", "read");
        code.ShouldBe(0, error + output);
        output.ShouldContain("PASS  mailbox.client.bad-magic");
        output.ShouldContain("SKIP  mailbox.client.read-request");
    }
}
