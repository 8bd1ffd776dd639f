using System.Text;
using Switchboard.Check.Core;

namespace Switchboard.Check.Reporting;

/// <summary>The plain-text table (case, verdict, reason) and the one summary line.</summary>
public static class TextReport
{
    /// <summary>One line per case, columns aligned: <c>FAIL  mailbox.server.bad-magic  expected ..., got ...</c>.</summary>
    public static string Table(CheckReport report)
    {
        var width = report.Cases.Count == 0 ? 0 : report.Cases.Max(c => c.Id.Length);
        var text = new StringBuilder();
        foreach (var c in report.Cases)
        {
            text.Append(Line(c, width)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>One case as a table line; <paramref name="idWidth"/> pads the id column.</summary>
    public static string Line(CaseOutcome c, int idWidth)
    {
        var line = $"{Label(c.Verdict),-4}  {c.Id.PadRight(idWidth)}";
        return string.IsNullOrEmpty(c.Reason) ? line.TrimEnd() : $"{line}  {c.Reason}";
    }

    /// <summary>e.g. <c>mailbox server at 127.0.0.1:5000: 24 passed, 2 failed, 0 skipped (26 cases, 7.4 s)</c>.</summary>
    public static string Summary(CheckReport report) =>
        $"{report.Suite} {report.Target}: {report.Passed} passed, {report.Failed} failed, {report.Skipped} skipped ({report.Cases.Count} cases, {report.Elapsed.TotalSeconds:0.0} s)";

    public static string Label(Verdict verdict) => verdict switch
    {
        Verdict.Pass => "PASS",
        Verdict.Fail => "FAIL",
        _ => "SKIP",
    };
}
