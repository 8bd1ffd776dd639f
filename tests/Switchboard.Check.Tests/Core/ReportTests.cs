using System.Text.Json;
using System.Xml.Linq;
using Switchboard.Check.Core;
using Switchboard.Check.Reporting;

namespace Switchboard.Check.Tests.Core;

public sealed class ReportTests
{
    private static readonly CheckReport Report = new("mailbox", CheckMode.Server, "at 127.0.0.1:5000",
    [
        new("mailbox.server.read-empty", "a read for nobody", Verdict.Pass, "", TimeSpan.FromMilliseconds(12)),
        new("mailbox.server.bad-magic", "bad magic", Verdict.Fail, "expected no response, got 5 bytes ae73030000 then a clean close", TimeSpan.FromMilliseconds(30)),
        new("mailbox.server.gap", "gap & <pause>", Verdict.Skip, "not \"here\"", TimeSpan.Zero),
    ], TimeSpan.FromSeconds(1.25));

    [Fact]
    public void The_table_aligns_ids_and_the_summary_counts_each_verdict()
    {
        TextReport.Table(Report).ShouldBe(
            "PASS  mailbox.server.read-empty\n" +
            "FAIL  mailbox.server.bad-magic   expected no response, got 5 bytes ae73030000 then a clean close\n" +
            "SKIP  mailbox.server.gap         not \"here\"\n");
        TextReport.Summary(Report).ShouldBe("mailbox server at 127.0.0.1:5000: 1 passed, 1 failed, 1 skipped (3 cases, 1.3 s)");
    }

    [Fact]
    public void Junit_has_one_testcase_per_case_with_failures_and_skips_marked()
    {
        var suite = XDocument.Parse(ReportWriter.Render(Report, ReportFormat.Junit)).Root!.Element("testsuite")!;
        suite.Attribute("tests")!.Value.ShouldBe("3");
        suite.Attribute("failures")!.Value.ShouldBe("1");
        suite.Attribute("skipped")!.Value.ShouldBe("1");
        var cases = suite.Elements("testcase").ToList();
        cases.Select(c => c.Attribute("name")!.Value).ShouldBe(["read-empty", "bad-magic", "gap"]);
        cases.ShouldAllBe(c => c.Attribute("classname")!.Value == "mailbox.server");
        cases[1].Element("failure")!.Attribute("message")!.Value.ShouldContain("ae73030000");
        cases[2].Element("skipped").ShouldNotBeNull();
    }

    [Fact]
    public void Gradescope_scores_a_point_a_passed_case_and_skips_count_for_nothing()
    {
        using var json = JsonDocument.Parse(ReportWriter.Render(Report, ReportFormat.Gradescope));
        var root = json.RootElement;
        root.GetProperty("score").GetInt32().ShouldBe(1);
        root.GetProperty("max_score").GetInt32().ShouldBe(2);
        var tests = root.GetProperty("tests").EnumerateArray().ToList();
        tests.Select(t => t.GetProperty("status").GetString()).ShouldBe(["passed", "failed", "passed"]);
        tests.Select(t => t.GetProperty("max_score").GetInt32()).ShouldBe([1, 1, 0]);
        tests[1].GetProperty("output").GetString()!.ShouldStartWith("FAIL: expected no response");
        tests[0].GetProperty("name").GetString().ShouldBe("mailbox.server.read-empty: a read for nobody");
    }

    [Fact]
    public void Json_lists_every_case_with_its_verdict()
    {
        using var json = JsonDocument.Parse(ReportWriter.Render(Report, ReportFormat.Json));
        json.RootElement.GetProperty("failed").GetInt32().ShouldBe(1);
        json.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("verdict").GetString()).ShouldBe(["pass", "fail", "skip"]);
    }
}
