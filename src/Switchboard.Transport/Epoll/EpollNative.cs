using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Switchboard.Transport.Epoll;

/// <summary>
/// The libc calls the epoll transport makes. Sockets are passed as <see cref="SafeSocketHandle"/>s, never as raw
/// numbers: the marshaller holds a reference for the length of each call, so a socket disposed on another thread
/// (<c>ConnectionClose.Reset</c>) is closed only after the call returns, and a later call fails with
/// <see cref="ObjectDisposedException"/> instead of reaching whatever socket reused the number.
/// </summary>
internal static class EpollNative
{
    public const int EpollIn = 0x001;
    public const int EpollOut = 0x004;
    public const int EpollErr = 0x008;
    public const int EpollHup = 0x010;
    public const int EpollExclusive = 1 << 28;

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;

    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int EBadF = 9;
    public const int EPipe = 32;
    public const int EConnReset = 104;
    public const int EConnAborted = 103;

    public const int ShutRdWr = 2;
    public const int MsgNoSignal = 0x4000;
    public const int SockNonBlock = 0x800;
    public const int SockCloExec = 0x80000;

    private const int EfdCloExec = 0x80000;
    private const int SockAddrSize = 128;
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;
    private const int EfdNonBlock = 0x800;

    /// <summary>Size of <c>struct epoll_event</c>: packed (12 bytes) on x86-64, naturally aligned (16) elsewhere.</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    /// <summary>Whether this process can use the transport (Linux, on an architecture whose event layout is known).</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public static uint EventsAt(byte[] events, int index) =>
        BinaryPrimitives.ReadUInt32LittleEndian(events.AsSpan(index * EventSize));

    public static long DataAt(byte[] events, int index) =>
        BinaryPrimitives.ReadInt64LittleEndian(events.AsSpan((index * EventSize) + DataOffset));

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_wait(int epfd, [Out] byte[] events, int maxevents, int timeout);

    public static int Control(int epfd, int op, SafeSocketHandle socket, int events, long data)
    {
        Span<byte> ev = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(ev, (uint)events);
        BinaryPrimitives.WriteInt64LittleEndian(ev[DataOffset..], data);
        return epoll_ctl(epfd, op, socket, ref MemoryMarshal.GetReference(ev));
    }

    /// <summary>Registers a descriptor the loop owns itself (its wake-up eventfd).</summary>
    public static int ControlRaw(int epfd, int op, int fd, int events, long data)
    {
        Span<byte> ev = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(ev, (uint)events);
        BinaryPrimitives.WriteInt64LittleEndian(ev[DataOffset..], data);
        return epoll_ctl_raw(epfd, op, fd, ref MemoryMarshal.GetReference(ev));
    }

    public static int NewEventFd() => eventfd(0, EfdCloExec | EfdNonBlock);

    public static int Receive(SafeSocketHandle socket, Span<byte> buffer) =>
        (int)recv(socket, ref MemoryMarshal.GetReference(buffer), buffer.Length, 0);

    public static int Send(SafeSocketHandle socket, ReadOnlySpan<byte> buffer) =>
        (int)send(socket, ref MemoryMarshal.GetReference(buffer), buffer.Length, MsgNoSignal);

    /// <summary>Accepts a pending connection (non-blocking, close-on-exec); <paramref name="peer"/> gets its address.</summary>
    public static int Accept(SafeSocketHandle listener, out IPEndPoint? peer)
    {
        Span<byte> address = stackalloc byte[SockAddrSize];
        var length = SockAddrSize;
        var fd = accept4(listener, ref MemoryMarshal.GetReference(address), ref length, SockNonBlock | SockCloExec);
        peer = fd >= 0 ? EndPointOf(address[..Math.Min(length, SockAddrSize)]) : null;
        return fd;
    }

    // The peer's address as accept4 reported it: getpeername on a connection reset since then fails, and the handler
    // must still learn who it was (its log lines name the peer).
    private static IPEndPoint? EndPointOf(ReadOnlySpan<byte> address)
    {
        if (address.Length < 8)
        {
            return null;
        }
        var family = BinaryPrimitives.ReadUInt16LittleEndian(address);
        var port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        return family switch
        {
            AfInet => new IPEndPoint(new IPAddress(address.Slice(4, 4)), port),
            AfInet6 when address.Length >= 28 => new IPEndPoint(new IPAddress(address.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(address[24..])), port),
            _ => null,
        };
    }

    public static int Shutdown(SafeSocketHandle socket) => shutdown(socket, ShutRdWr);

    public static void Signal(int eventFd)
    {
        long one = 1;
        _ = write(eventFd, ref one, sizeof(long));
    }

    public static void Drain(int eventFd)
    {
        long value = 0;
        _ = read(eventFd, ref value, sizeof(long));
    }

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, SafeSocketHandle fd, ref byte ev);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern int epoll_ctl_raw(int epfd, int op, int fd, ref byte ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int eventfd(uint initval, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recv(SafeSocketHandle fd, ref byte buf, nint len, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint send(SafeSocketHandle fd, ref byte buf, nint len, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int accept4(SafeSocketHandle fd, ref byte addr, ref int addrlen, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int shutdown(SafeSocketHandle fd, int how);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, ref long value, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, ref long value, nint count);
}
