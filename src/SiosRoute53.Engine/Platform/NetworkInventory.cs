using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;

namespace SiosRoute53.Platform;

/// <summary>An address configured on one of this node's interfaces, and whether that interface is up with a link.</summary>
public sealed record InterfaceAddress(string Interface, IPAddress Address, bool AdministrativelyUp, bool LinkUp);

/// <summary>What addresses this node has; the ip kit asks, never changes anything.</summary>
public interface INetworkInventory
{
    IReadOnlyList<InterfaceAddress> Addresses();
}

/// <summary>The node's real interfaces. On Linux the up and link flags come from /sys/class/net/&lt;if&gt;/flags.</summary>
public sealed class SystemNetworkInventory : INetworkInventory
{
    private const int IffUp = 0x1, IffRunning = 0x40;

    public IReadOnlyList<InterfaceAddress> Addresses()
    {
        var result = new List<InterfaceAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var (up, link) = Flags(nic);
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                result.Add(new InterfaceAddress(nic.Name, unicast.Address, up, link));
        }
        return result;
    }

    private static (bool Up, bool Link) Flags(NetworkInterface nic)
    {
        string path = $"/sys/class/net/{nic.Name}/flags";
        if (File.Exists(path))
        {
            string text = File.ReadAllText(path).Trim();
            if (text.StartsWith("0x", StringComparison.Ordinal) &&
                int.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int flags))
                return ((flags & IffUp) != 0, (flags & IffRunning) != 0);
        }
        bool operational = nic.OperationalStatus == OperationalStatus.Up;
        return (operational, operational);
    }
}
