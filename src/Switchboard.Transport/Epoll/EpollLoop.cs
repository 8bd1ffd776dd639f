using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Switchboard.Transport.Epoll;

/// <summary>
/// One event-loop thread: a level-triggered epoll set, the handlers registered in it (by id, never by descriptor
/// number, so an event for a socket closed and renumbered meanwhile finds nothing), and a queue of actions other
/// threads post to it (woken through an eventfd).
/// </summary>
/// <remarks>The handler table is touched only on the loop's thread, so it needs no lock.</remarks>
internal sealed class EpollLoop
{
    private const long WakeId = 0;
    private const int MaxEvents = 256;
    private const int EpollCloExec = 0x80000;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ILogger _log;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Dictionary<long, IEpollHandler> _handlers = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _wakePending;
    private bool _stopping;

    public EpollLoop(string name, ILogger log)
    {
        _log = log;
        _epoll = EpollNative.epoll_create1(EpollCloExec);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        _wake = EpollNative.NewEventFd();
        if (_wake < 0 || EpollNative.ControlRaw(_epoll, EpollNative.EpollCtlAdd, _wake, EpollNative.EpollIn, WakeId) < 0)
        {
            var error = Marshal.GetLastPInvokeErrorMessage();
            EpollNative.close(_epoll);
            throw new InvalidOperationException($"eventfd for the epoll loop failed: {error}");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>The epoll descriptor handlers register their sockets in (from any thread: epoll_ctl is thread-safe).</summary>
    public int Descriptor => _epoll;

    /// <summary>Completes once the loop's thread has ended.</summary>
    public Task Stopped => _stopped.Task;

    public bool OnLoopThread => Thread.CurrentThread == _thread;

    public void Start() => _thread.Start();

    /// <summary>Runs <paramref name="action"/> on the loop's thread, after the events being handled now.</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            EpollNative.Signal(_wake);
        }
    }

    /// <summary>Loop thread only: events carrying <paramref name="id"/> go to <paramref name="handler"/>.</summary>
    public void Add(long id, IEpollHandler handler) => _handlers[id] = handler;

    /// <summary>Loop thread only: events still queued for <paramref name="id"/> are dropped.</summary>
    public void Remove(long id) => _handlers.Remove(id);

    /// <summary>Ends the loop once what was posted before has run.</summary>
    public Task StopAsync()
    {
        Post(() => _stopping = true);
        return Stopped;
    }

    private void Run()
    {
        var events = new byte[EpollNative.EventSize * MaxEvents];
        try
        {
            while (!_stopping)
            {
                var count = EpollNative.epoll_wait(_epoll, events, MaxEvents, -1);
                if (count < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EpollNative.EIntr)
                    {
                        continue;
                    }
                    _log.LogError("epoll_wait failed: {Reason}", Marshal.GetLastPInvokeErrorMessage());
                    break;
                }
                for (var i = 0; i < count; i++)
                {
                    var id = EpollNative.DataAt(events, i);
                    if (id == WakeId)
                    {
                        EpollNative.Drain(_wake);
                        continue;
                    }
                    if (_handlers.TryGetValue(id, out var handler))
                    {
                        Dispatch(handler, EpollNative.EventsAt(events, i));
                    }
                }
                RunPosted();
            }
        }
        finally
        {
            // Closes posted by the last connections run before the loop goes.
            RunPosted();
            EpollNative.close(_wake);
            EpollNative.close(_epoll);
            _stopped.TrySetResult();
        }
    }

    private void Dispatch(IEpollHandler handler, uint ready)
    {
        try
        {
            handler.OnEvents(this, ready);
        }
        catch (Exception e)
        {
            // A handler's bug must not take every other connection of this loop down with it.
            _log.LogError(e, "epoll event handler failed");
        }
    }

    private void RunPosted()
    {
        // Cleared before draining: a post that races with the drain signals again instead of being stranded.
        Volatile.Write(ref _wakePending, 0);
        while (_posted.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                _log.LogError(e, "epoll posted action failed");
            }
        }
    }
}
