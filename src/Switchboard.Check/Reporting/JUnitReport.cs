using System.Globalization;
using System.Xml.Linq;
using Switchboard.Check.Core;

namespace Switchboard.Check.Reporting;

/// <summary><c>--format junit</c>: one testsuite, one testcase per case (classname = service.mode, name = the rest of the id).</summary>
public static class JUnitReport
{
    public static string Render(CheckReport report)
    {
        var prefix = $"{report.Service}.{report.Mode.ToString().ToLowerInvariant()}";
        var suite = new XElement("testsuite",
            new XAttribute("name", $"switchboard check {report.Suite}"),
            new XAttribute("tests", report.Cases.Count),
            new XAttribute("failures", report.Failed),
            new XAttribute("errors", 0),
            new XAttribute("skipped", report.Skipped),
            new XAttribute("time", Seconds(report.Elapsed)),
            new XElement("properties", new XElement("property", new XAttribute("name", "target"), new XAttribute("value", report.Target))));
        foreach (var c in report.Cases)
        {
            var name = c.Id.StartsWith(prefix + ".", StringComparison.Ordinal) ? c.Id[(prefix.Length + 1)..] : c.Id;
            var testcase = new XElement("testcase",
                new XAttribute("classname", prefix),
                new XAttribute("name", name),
                new XAttribute("time", Seconds(c.Elapsed)));
            if (c.Verdict == Verdict.Fail)
            {
                testcase.Add(new XElement("failure", new XAttribute("message", c.Reason), $"{c.Title}\n{c.Reason}"));
            }
            else if (c.Verdict == Verdict.Skip)
            {
                testcase.Add(new XElement("skipped", new XAttribute("message", c.Reason)));
            }
            else if (c.Reason.Length > 0)
            {
                testcase.Add(new XElement("system-out", c.Reason));
            }
            suite.Add(testcase);
        }
        var document = new XDocument(new XDeclaration("1.0", "UTF-8", null), new XElement("testsuites", suite));
        return document.Declaration + "\n" + document.Root + "\n";
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
