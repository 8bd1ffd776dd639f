namespace Switchboard.Services.Tests.Files;

/// <summary>
/// Tests that open thousands of connections as fast as they can (fuzzing, reset storms). They run alone,
/// after the parallel tests, so their load cannot push another test's peer past its gap timeout.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "files load";
}
