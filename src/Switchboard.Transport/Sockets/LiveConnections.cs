namespace Switchboard.Transport.Sockets;

/// <summary>
/// The open connections of a <see cref="DirectConnections"/>, as a list linked through the connections themselves:
/// a dictionary would add a node object per connection (48 bytes) and copy all of them each time it grows, garbage
/// that stays resident until the next collection.
/// </summary>
internal sealed class LiveConnections
{
    private readonly Lock _lock = new();
    private DirectSocketConnection? _first;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add(DirectSocketConnection connection)
    {
        lock (_lock)
        {
            connection.Next = _first;
            if (_first is not null)
            {
                _first.Previous = connection;
            }
            _first = connection;
            _count++;
        }
    }

    /// <summary>Takes <paramref name="connection"/> out of the list; returns how many are left.</summary>
    public int Remove(DirectSocketConnection connection)
    {
        lock (_lock)
        {
            if (connection.Previous is { } previous)
            {
                previous.Next = connection.Next;
            }
            else if (ReferenceEquals(_first, connection))
            {
                _first = connection.Next;
            }
            else
            {
                // Not in the list (removed already).
                return _count;
            }
            if (connection.Next is { } next)
            {
                next.Previous = connection.Previous;
            }
            connection.Previous = null;
            connection.Next = null;
            return --_count;
        }
    }

    public DirectSocketConnection[] Snapshot()
    {
        lock (_lock)
        {
            var all = new DirectSocketConnection[_count];
            var i = 0;
            for (var c = _first; c is not null; c = c.Next)
            {
                all[i++] = c;
            }
            return all;
        }
    }
}
