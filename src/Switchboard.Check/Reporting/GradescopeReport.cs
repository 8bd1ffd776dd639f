using System.Text.Json;
using Switchboard.Check.Core;

namespace Switchboard.Check.Reporting;

/// <summary>
/// <c>--format gradescope</c>: the <c>results.json</c> a Gradescope autograder writes to
/// <c>/autograder/results/results.json</c>. Each case is worth one point; a skipped case is listed with
/// max_score 0 so it neither earns nor costs points.
/// </summary>
public static class GradescopeReport
{
    public static string Render(CheckReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("score", report.Passed);
            json.WriteNumber("max_score", report.Cases.Count - report.Skipped);
            json.WriteString("output", TextReport.Summary(report));
            json.WriteNumber("execution_time", (int)Math.Ceiling(report.Elapsed.TotalSeconds));
            json.WriteStartArray("tests");
            foreach (var c in report.Cases)
            {
                json.WriteStartObject();
                json.WriteString("name", $"{c.Id}: {c.Title}");
                json.WriteNumber("score", c.Verdict == Verdict.Pass ? 1 : 0);
                json.WriteNumber("max_score", c.Verdict == Verdict.Skip ? 0 : 1);
                json.WriteString("output", c.Verdict switch
                {
                    Verdict.Pass => c.Reason.Length == 0 ? "PASS" : $"PASS: {c.Reason}",
                    Verdict.Fail => $"FAIL: {c.Reason}",
                    _ => $"SKIP: {c.Reason}",
                });
                json.WriteString("status", c.Verdict == Verdict.Fail ? "failed" : "passed");
                json.WriteString("visibility", "visible");
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
