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

/// <summary>
/// The node's real interfaces. On Linux "up" is IFF_UP in /sys/class/net/&lt;if&gt;/flags and "link" is the carrier
/// (operstate up, or unknown as the loopback reports, with carrier 1).
/// </summary>
public sealed class SystemNetworkInventory : INetworkInventory
{
    private const int IffUp = 0x1;

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

    /// <summary>A sysfs attribute, or null where it cannot be read (carrier of a down interface is EINVAL).</summary>
    private static string? ReadSys(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static (bool Up, bool Link) Flags(NetworkInterface nic)
    {
        string dir = $"/sys/class/net/{nic.Name}";
        string? flagsText = ReadSys(Path.Combine(dir, "flags"));
        if (flagsText is not null && flagsText.StartsWith("0x", StringComparison.Ordinal) &&
            int.TryParse(flagsText[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int flags))
        {
            bool up = (flags & IffUp) != 0;
            string? operstate = ReadSys(Path.Combine(dir, "operstate"));
            bool link = up && operstate is ("up" or "unknown") && ReadSys(Path.Combine(dir, "carrier")) == "1";
            return (up, link);
        }
        bool operational = nic.OperationalStatus == OperationalStatus.Up;
        return (operational, operational);
    }
}
