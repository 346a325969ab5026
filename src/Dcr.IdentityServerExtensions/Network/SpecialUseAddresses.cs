using System.Net;
using System.Net.Sockets;

namespace Dcr.IdentityServerExtensions.Network;

/// <summary>
/// The special-use address blocks of RFC 6890 and the registries that followed it (IANA IPv4 and IPv6 Special-Purpose
/// Address Registries): addresses an outbound request on a client's behalf must not reach, because they lead into this
/// server's own host or network rather than onto the public internet.
/// </summary>
internal static class SpecialUseAddresses
{
    // Whole blocks are refused even where the registry marks a few addresses in them as globally reachable (for example
    // inside 2001::/23): a key set or metadata document has no business being served from protocol infrastructure.
    private static readonly Block[] IPv4Blocks =
    [
        Block.Parse("0.0.0.0/8"),         // "this network" (RFC 791)
        Block.Parse("10.0.0.0/8"),        // private (RFC 1918)
        Block.Parse("100.64.0.0/10"),     // shared address space, carrier-grade NAT (RFC 6598)
        Block.Parse("127.0.0.0/8"),       // loopback (RFC 1122)
        Block.Parse("169.254.0.0/16"),    // link-local, cloud metadata services (RFC 3927)
        Block.Parse("172.16.0.0/12"),     // private (RFC 1918)
        Block.Parse("192.0.0.0/24"),      // IETF protocol assignments (RFC 6890)
        Block.Parse("192.0.2.0/24"),      // documentation, TEST-NET-1 (RFC 5737)
        Block.Parse("192.88.99.0/24"),    // 6to4 relay anycast, deprecated (RFC 7526)
        Block.Parse("192.168.0.0/16"),    // private (RFC 1918)
        Block.Parse("198.18.0.0/15"),     // benchmarking (RFC 2544)
        Block.Parse("198.51.100.0/24"),   // documentation, TEST-NET-2 (RFC 5737)
        Block.Parse("203.0.113.0/24"),    // documentation, TEST-NET-3 (RFC 5737)
        Block.Parse("224.0.0.0/4"),       // multicast (RFC 5771)
        Block.Parse("240.0.0.0/4"),       // reserved, and the limited broadcast 255.255.255.255 (RFC 1112, RFC 919)
    ];

    private static readonly Block[] IPv6Blocks =
    [
        Block.Parse("::/128"),            // unspecified (RFC 4291)
        Block.Parse("::1/128"),           // loopback (RFC 4291)
        Block.Parse("::/96"),             // IPv4-compatible, deprecated (RFC 4291)
        Block.Parse("64:ff9b:1::/48"),    // local-use IPv4/IPv6 translation (RFC 8215)
        Block.Parse("100::/64"),          // discard-only (RFC 6666)
        Block.Parse("2001::/23"),         // IETF protocol assignments: Teredo, benchmarking, ORCHID (RFC 2928)
        Block.Parse("2001:db8::/32"),     // documentation (RFC 3849)
        Block.Parse("2002::/16"),         // 6to4, which tunnels to any IPv4 address (RFC 3056)
        Block.Parse("3fff::/20"),         // documentation (RFC 9637)
        Block.Parse("5f00::/16"),         // segment routing SIDs (RFC 9602)
        Block.Parse("fc00::/7"),          // unique local (RFC 4193)
        Block.Parse("fe80::/10"),         // link-local (RFC 4291)
        Block.Parse("fec0::/10"),         // site-local, deprecated (RFC 3879)
        Block.Parse("ff00::/8"),          // multicast (RFC 4291)
    ];

    // The well-known NAT64 prefix (RFC 6052) carries an IPv4 address in its last 32 bits; through a NAT64 gateway
    // it reaches that address, so it is as special as the address it carries.
    private static readonly Block Nat64 = Block.Parse("64:ff9b::/96");

    /// <summary>Whether <paramref name="address"/> lies in a special-use block, in any of its IPv4 or IPv6 forms.</summary>
    public static bool IsSpecialUse(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);

        if (address.IsIPv4MappedToIPv6)
        {
            return IsSpecialUse(address.MapToIPv4());
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return true;
        }

        bytes = bytes[..written];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Contains(IPv4Blocks, bytes);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }

        if (Nat64.Contains(bytes))
        {
            return IsSpecialUse(new IPAddress(bytes[12..]));
        }

        return Contains(IPv6Blocks, bytes);
    }

    private static bool Contains(Block[] blocks, ReadOnlySpan<byte> address)
    {
        foreach (var block in blocks)
        {
            if (block.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct Block(byte[] Prefix, int Length)
    {
        public static Block Parse(string cidr)
        {
            var slash = cidr.IndexOf('/', StringComparison.Ordinal);
            return new Block(
                IPAddress.Parse(cidr.AsSpan(0, slash)).GetAddressBytes(),
                int.Parse(cidr.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture));
        }

        public bool Contains(ReadOnlySpan<byte> address)
        {
            if (address.Length != Prefix.Length)
            {
                return false;
            }

            var whole = Length / 8;
            if (!address[..whole].SequenceEqual(Prefix.AsSpan(0, whole)))
            {
                return false;
            }

            var rest = Length % 8;
            if (rest == 0)
            {
                return true;
            }

            var mask = (byte)(0xFF << (8 - rest));
            return (address[whole] & mask) == (Prefix[whole] & mask);
        }
    }
}
