namespace Switchboard.Transport.Epoll;

/// <summary>Something registered with an <see cref="EpollLoop"/>: told on the loop's thread when its descriptor is ready.</summary>
internal interface IEpollHandler
{
    /// <summary>Called on <paramref name="loop"/>'s thread with the ready events (<c>EPOLLIN</c>, <c>EPOLLOUT</c>, ...).</summary>
    void OnEvents(EpollLoop loop, uint events);
}
