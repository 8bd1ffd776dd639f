using Switchboard.Cli.Terminal;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Terminal;

public sealed class FilesProgressTests
{
    [Fact]
    public async Task Draws_the_file_name_and_completion_on_the_given_writer()
    {
        var stderr = new StringWriter();
        var bar = new FilesProgress(stderr, "big.bin", 10 * 1024 * 1024);
        // Reports before Spectre's loop has started are dropped; the last one after it starts is drawn.
        await Deadline.Until(() =>
        {
            bar.Report(10 * 1024 * 1024);
            return stderr.ToString().Contains("100%");
        }, "the bar drawn at 100%");
        await bar.DisposeAsync().AsTask().Within();

        var drawn = stderr.ToString();
        drawn.ShouldContain("big.bin");
        drawn.ShouldContain("100%");
    }
}
