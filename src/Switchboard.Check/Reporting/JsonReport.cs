using System.Text.Json;
using Switchboard.Check.Core;

namespace Switchboard.Check.Reporting;

/// <summary><c>--format json</c>: the whole report, one object per case.</summary>
public static class JsonReport
{
    public static string Render(CheckReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("service", report.Service);
            json.WriteString("mode", report.Mode.ToString().ToLowerInvariant());
            json.WriteString("target", report.Target);
            json.WriteNumber("passed", report.Passed);
            json.WriteNumber("failed", report.Failed);
            json.WriteNumber("skipped", report.Skipped);
            json.WriteNumber("seconds", Math.Round(report.Elapsed.TotalSeconds, 3));
            json.WriteStartArray("cases");
            foreach (var c in report.Cases)
            {
                json.WriteStartObject();
                json.WriteString("id", c.Id);
                json.WriteString("title", c.Title);
                json.WriteString("verdict", c.Verdict.ToString().ToLowerInvariant());
                json.WriteString("reason", c.Reason);
                json.WriteNumber("seconds", Math.Round(c.Elapsed.TotalSeconds, 3));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
