using System.Text.Json;
using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Echo;

/// <summary>Byte compatibility with Python peers written to the handout, where Python's own <c>s[10:]</c> is the judge.</summary>
public sealed class PythonInteropTests
{
    private static readonly string[] Messages =
    [
        "Four score and seven years ago",
        "",
        "0123456789",
        "😀😁😂🤣😃😄😅😆😉😊 ten emoji, then this",
        "e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301 combining",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral letters",
        new string('z', 3000) + "ünïcödé",
    ];

    [Fact]
    public async Task A_handout_python_client_gets_pythons_own_slices_from_our_server()
    {
        await using var server = EchoTestServer.Start(bufferSize: 16);
        using var python = PythonHandoutPeers.Start(PythonHandoutPeers.Client, server.Port.ToString(), "32");
        string output;
        try
        {
            await python.StandardInput.WriteAsync(JsonSerializer.Serialize(Messages));
            python.StandardInput.Close();
            output = await python.StandardOutput.ReadToEndAsync().Within();
            await python.WaitForExitAsync().Within();
        }
        finally
        {
            PythonHandoutPeers.Stop(python);
        }
        if (python.ExitCode != 0)
        {
            Assert.Fail($"python client exited {python.ExitCode}: {await python.StandardError.ReadToEndAsync()}");
        }

        var results = JsonSerializer.Deserialize<JsonElement[][]>(output)!;
        results.Length.ShouldBe(Messages.Length);
        for (var i = 0; i < Messages.Length; i++)
        {
            results[i][1].GetBoolean().ShouldBeTrue($"reply {i} differs from Python's msg[10:]: {results[i][0]}");
            results[i][0].GetString().ShouldBe(Protocol.Echo.EchoReply.For(Messages[i]));
        }
    }

    [Fact]
    public async Task Our_client_works_against_a_handout_python_server()
    {
        using var python = PythonHandoutPeers.Start(PythonHandoutPeers.Server, "8");
        try
        {
            var portLine = await python.StandardOutput.ReadLineAsync().Within();
            if (portLine is null)
            {
                await python.WaitForExitAsync().Within();
                Assert.Fail($"python server did not start: {await python.StandardError.ReadToEndAsync()}");
            }
            await using var client = await BufferedClient.ConnectAsync("127.0.0.1", int.Parse(portLine), 8);
            foreach (var message in Messages)
            {
                await client.SendMessageAsync(message);
            }
            foreach (var message in Messages)
            {
                (await client.ReceiveMessageAsync().Within()).ShouldBe((Protocol.Echo.EchoReply.For(message), true));
            }
            client.Shutdown();
            await python.WaitForExitAsync().Within();
        }
        finally
        {
            PythonHandoutPeers.Stop(python);
        }
        if (python.ExitCode != 0)
        {
            Assert.Fail($"python server exited {python.ExitCode}: {await python.StandardError.ReadToEndAsync()}");
        }
    }
}
