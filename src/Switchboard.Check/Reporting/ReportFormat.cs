namespace Switchboard.Check.Reporting;

/// <summary>The output formats of <c>switchboard check --format</c>.</summary>
public enum ReportFormat
{
    /// <summary>A table for people, and a summary line.</summary>
    Table,
    Json,

    /// <summary>JUnit XML, which CI systems (GitHub Actions, GitLab, Jenkins) display as test results.</summary>
    Junit,

    /// <summary>Gradescope's autograder <c>results.json</c>.</summary>
    Gradescope,
}

/// <summary>Renders a report in the chosen format.</summary>
public static class ReportWriter
{
    public static string Render(Core.CheckReport report, ReportFormat format) => format switch
    {
        ReportFormat.Table => TextReport.Table(report) + TextReport.Summary(report) + "\n",
        ReportFormat.Json => JsonReport.Render(report),
        ReportFormat.Junit => JUnitReport.Render(report),
        ReportFormat.Gradescope => GradescopeReport.Render(report),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };
}
