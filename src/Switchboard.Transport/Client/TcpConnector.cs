using System.Net;
using System.Net.Sockets;

namespace Switchboard.Transport.Client;

/// <summary>Resolves a host with the system resolver (getaddrinfo) and connects to the first address that answers.</summary>
public static class TcpConnector
{
    /// <summary>
    /// Accepts a dotted IPv4 address, an IPv6 address (with or without brackets) or a host name.
    /// Each resolved address is tried in the resolver's order, each for at most <paramref name="perAddressTimeout"/>.
    /// </summary>
    /// <exception cref="ConnectFailedException">Resolution failed, or every address refused or timed out; the message lists each.</exception>
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan perAddressTimeout, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        var failures = new List<(IPAddress Address, string Why)>(addresses.Length);
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(perAddressTimeout);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), attempt.Token).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                failures.Add((address, Describe(e)));
                socket.Dispose();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add((address, $"no answer within {perAddressTimeout.TotalSeconds:0.###} s"));
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        // A host given as an address needs no "address: " before its one failure: it would only repeat the host.
        var why = failures.Count == 1 && IsLiteral(host)
            ? failures[0].Why
            : string.Join("; ", failures.Select(f => $"{f.Address}: {f.Why}"));
        throw new ConnectFailedException($"cannot connect to {host} port {port}: {why}", "connect-failed");
    }

    private static bool IsLiteral(string host) => IPAddress.TryParse(host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host, out _);

    /// <summary>Resolves <paramref name="host"/> to one or more addresses.</summary>
    /// <exception cref="ConnectFailedException">The name does not resolve.</exception>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(literal, out var ip))
        {
            return [ip];
        }
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new ConnectFailedException("cannot resolve host '': the host is empty", "resolve-failed");
        }
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                throw new ConnectFailedException($"cannot resolve host '{host}': no addresses", "resolve-failed");
            }
            return addresses;
        }
        catch (SocketException e)
        {
            throw new ConnectFailedException($"cannot resolve host '{host}': {Describe(e)}", "resolve-failed");
        }
        catch (ArgumentException e)
        {
            throw new ConnectFailedException($"cannot resolve host '{host}': {e.Message}", "resolve-failed");
        }
    }

    private static string Describe(SocketException e) => NetworkErrors.Describe(e);
}
