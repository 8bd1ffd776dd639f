using System.Collections.Frozen;
using System.Reflection;

namespace Switchboard.Services.Chat.Web;

/// <summary>One embedded file of the page: its bytes and what it is.</summary>
internal sealed record StaticAsset(string Path, string ContentType, byte[] Content);

/// <summary>
/// The page's files, embedded in the assembly (wwwroot/, see the project file), so the server needs no folder on disk
/// and the page loads nothing from elsewhere: it works offline and its Content-Security-Policy can say 'self' only.
/// </summary>
internal static class StaticAssets
{
    private const string Prefix = "chat-web/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every file by its URL path; <c>/</c> is <c>index.html</c>.</summary>
    public static FrozenDictionary<string, StaticAsset> All { get; } = Load();

    private static FrozenDictionary<string, StaticAsset> Load()
    {
        var assembly = typeof(StaticAssets).Assembly;
        var assets = new Dictionary<string, StaticAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var file = name[Prefix.Length..];
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file))
                ?? throw new InvalidOperationException($"embedded web file '{file}' has no known content type");
            var asset = new StaticAsset("/" + file, type, Read(assembly, name));
            assets[asset.Path] = asset;
            if (file == "index.html")
            {
                assets["/"] = asset;
            }
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
