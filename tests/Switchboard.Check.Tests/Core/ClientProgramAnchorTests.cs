using Switchboard.Check.Core;
using Switchboard.Tests.Shared;

namespace Switchboard.Check.Tests.Core;

public sealed class ClientProgramAnchorTests
{
    [Fact]
    public void Relative_paths_that_exist_are_made_absolute_because_each_run_has_its_own_working_folder()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(Path.Combine(folder.Path, "client.py"), "");
        var program = new ClientProgram(["python3", "client.py", "-u", "{host}", "alice"], folder.Path);
        program.Expand(new ClientInvocation("127.0.0.1", "5000", [])).ShouldBe(["python3", Path.Combine(folder.Path, "client.py"), "-u", "127.0.0.1", "alice"]);
        program.Display.ShouldBe("python3 client.py -u {host} alice");
    }
}
