using Switchboard.Check.Launch;
using Switchboard.Tests.Shared;

namespace Switchboard.Check.Tests.Launch;

public sealed class ServerCommandTests
{
    [Fact]
    public void The_port_placeholder_is_replaced_and_a_command_without_one_gets_the_port_appended()
    {
        new ServerCommand(["/usr/bin/python3", "/srv/server.py", "--port={port}"]).Expand(5000).ShouldBe(["/usr/bin/python3", "/srv/server.py", "--port=5000"]);
        new ServerCommand(["/usr/bin/python3", "/srv/server.py"]).Expand(5000).ShouldBe(["/usr/bin/python3", "/srv/server.py", "5000"]);
    }

    [Fact]
    public void Relative_files_are_made_absolute_because_the_server_runs_elsewhere_but_folders_stay_as_typed()
    {
        using var here = new TempDirectory();
        File.WriteAllText(Path.Combine(here.Path, "server.py"), "");

        var words = new ServerCommand(["python3", "server.py", "{port}", "--root", "."], here.Path).Expand(5000);

        words.ShouldBe(["python3", Path.Combine(here.Path, "server.py"), "5000", "--root", "."]);
    }
}
