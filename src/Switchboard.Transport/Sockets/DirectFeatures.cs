using System.Collections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// The feature collection of a <see cref="DirectSocketConnection"/>: the features the connection itself provides
/// (socket, lifetime notification, completion callbacks) are answered without a dictionary, and a
/// <see cref="FeatureCollection"/> is made only when someone sets a feature. An idle connection thereby carries one
/// small object instead of a dictionary with its entry array (about 300 bytes per connection).
/// </summary>
internal sealed class DirectFeatures(DirectSocketConnection connection) : IFeatureCollection
{
    private static readonly Type[] Own = [typeof(IConnectionSocketFeature), typeof(IConnectionLifetimeNotificationFeature), typeof(IConnectionCompleteFeature)];

    private FeatureCollection? _set;

    public bool IsReadOnly => false;

    public int Revision => _set?.Revision ?? 0;

    public object? this[Type key]
    {
        // A feature set explicitly wins over the connection's own, as it would in a FeatureCollection.
        get => _set?[key] ?? (Array.IndexOf(Own, key) >= 0 ? connection : null);
        set => (_set ??= new FeatureCollection(2))[key] = value;
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        foreach (var type in Own)
        {
            if (_set?[type] is null)
            {
                yield return new KeyValuePair<Type, object>(type, connection);
            }
        }
        if (_set is not null)
        {
            foreach (var feature in _set)
            {
                yield return feature;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
