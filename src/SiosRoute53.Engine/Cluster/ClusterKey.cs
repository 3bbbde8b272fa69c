using System.Security.Cryptography;
using SiosRoute53.Store;

namespace SiosRoute53.Cluster;

/// <summary>
/// The cluster's shared key: 32 random bytes, generated once by New-HaCluster, kept in cluster.key (mode 0600) in
/// the state directory, and handed to a joining node as a file (Export-HaClusterKey, then copied over SSH).
/// Every message between agents carries an HMAC-SHA256 made with it.
/// </summary>
public sealed class ClusterKey
{
    public const int Length = 32;
    private readonly byte[] _bytes;

    private ClusterKey(byte[] bytes) => _bytes = bytes;

    public static ClusterKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, "cluster.key");

    public static ClusterKey FromText(string text, string source)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text.Trim()); }
        catch (FormatException) { throw new StoreException($"The cluster key in '{source}' is not base64. Copy the file Export-HaClusterKey wrote, unchanged."); }
        if (bytes.Length != Length) throw new StoreException($"The cluster key in '{source}' is {bytes.Length} bytes; it must be {Length}. Copy the file Export-HaClusterKey wrote, unchanged.");
        return new ClusterKey(bytes);
    }

    /// <summary>The file holds two lines: "cluster NAME" and the key in base64.</summary>
    public static (string ClusterName, ClusterKey Key) Load(string file)
    {
        if (!File.Exists(file))
            throw new StoreException($"There is no cluster key at '{file}'. Create a cluster with New-HaCluster, or join one with Join-HaCluster with the file Export-HaClusterKey wrote.");
        string[] lines;
        try { lines = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).ToArray(); }
        catch (UnauthorizedAccessException e) { throw new StoreException($"The cluster key '{file}' cannot be read: {e.Message}. Run as root.", e); }
        if (lines.Length != 2 || !lines[0].StartsWith("cluster ", StringComparison.Ordinal))
            throw new StoreException($"'{file}' is not a cluster key file (expected a 'cluster NAME' line and a key line). Copy the file Export-HaClusterKey wrote, unchanged.");
        return (lines[0]["cluster ".Length..].Trim(), FromText(lines[1], file));
    }

    /// <summary>Writes the cluster's name and key, readable by root only.</summary>
    public void Save(string file, string clusterName)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string temp = file + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(stream))
        {
            writer.WriteLine("cluster " + clusterName);
            writer.WriteLine(Convert.ToBase64String(_bytes));
        }
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, file, overwrite: true);
    }

    public byte[] Mac(ReadOnlySpan<byte> data) => HMACSHA256.HashData(_bytes, data);

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> mac) => CryptographicOperations.FixedTimeEquals(Mac(data), mac);

    /// <summary>A short fingerprint to compare keys between nodes without showing them.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(_bytes))[..12];

    public override string ToString() => $"ClusterKey({Fingerprint})";
}
