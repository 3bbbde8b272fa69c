using System.Text;

namespace SiosRoute53.Route53Server;

/// <summary>
/// Domain names as Route 53 stores and returns them (Developer Guide, "DNS domain name format"): letters stored
/// lower-case; every character other than a-z, 0-9, '-' and '_' returned as a \ooo octal escape (so '*' is \052),
/// whether it was sent as a character or as an escape; labels of at most 63 bytes, 255 bytes in all; a final dot.
/// </summary>
public static class Route53Names
{
    /// <summary>
    /// The stored form of <paramref name="name"/> ("App.*.Example" becomes "app.\052.example."), or null with the
    /// reason in <paramref name="problem"/>.
    /// </summary>
    public static string? TryCanonical(string name, out string problem)
    {
        problem = "";
        var labels = ParseLabels(name, out problem);
        if (labels is null) return null;
        var sb = new StringBuilder();
        foreach (var label in labels)
        {
            foreach (byte b in label)
            {
                if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_') sb.Append((char)b);
                else sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
            }
            sb.Append('.');
        }
        return sb.Length == 0 ? "." : sb.ToString();
    }

    /// <summary>The stored form; throws <see cref="FormatException"/> naming the problem.</summary>
    public static string Canonical(string name) =>
        TryCanonical(name, out var problem) ?? throw new FormatException($"'{name}' is not a valid domain name: {problem}.");

    /// <summary>True when <paramref name="name"/> is <paramref name="zone"/> or below it (both in stored form).</summary>
    public static bool IsInZone(string name, string zone) =>
        name == zone || zone == "." || name.EndsWith("." + zone, StringComparison.Ordinal);

    /// <summary>The first label of a stored name, as raw bytes' text ("\052" gives "*").</summary>
    public static string FirstLabel(string storedName)
    {
        var labels = ParseLabels(storedName, out _);
        return labels is null || labels.Count == 0 ? "" : Encoding.Latin1.GetString(labels[0]);
    }

    /// <summary>
    /// Route 53's listing order (ListResourceRecordSets, ListHostedZonesByName): labels reversed, compared as bytes
    /// with the final dot included, so "app-2." sorts before "app." ('-' is 45, '.' is 46).
    /// </summary>
    public static int CompareForListing(string a, string b) =>
        string.CompareOrdinal(ListingKey(a), ListingKey(b));

    public static readonly IComparer<string> ListingOrder = Comparer<string>.Create(CompareForListing);

    private static string ListingKey(string storedName)
    {
        var labels = ParseLabels(storedName, out _) ?? new List<byte[]>();
        var sb = new StringBuilder();
        for (int i = labels.Count - 1; i >= 0; i--) sb.Append(Encoding.Latin1.GetString(labels[i])).Append('.');
        return sb.ToString();
    }

    /// <summary>Splits a name in presentation form (characters or \ooo escapes) into labels of lower-cased bytes.</summary>
    private static List<byte[]>? ParseLabels(string name, out string problem)
    {
        problem = "";
        if (string.IsNullOrWhiteSpace(name))
        {
            problem = "the name is empty";
            return null;
        }
        string text = name.Trim();
        if (text == ".") return new List<byte[]>();
        var labels = new List<byte[]>();
        var current = new List<byte>();
        int total = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '.')
            {
                if (current.Count == 0)
                {
                    problem = "it has an empty label (two dots in a row, or a leading dot)";
                    return null;
                }
                if (Close() is { } tooLong) { problem = tooLong; return null; }
                continue;
            }
            if (c == '\\' && IsOctal(text, i + 1))
            {
                int value = (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0');
                if (value > 255)
                {
                    problem = $"the escape \\{text.Substring(i + 1, 3)} is above \\377";
                    return null;
                }
                current.Add(Lower((byte)value));
                i += 3;
                continue;
            }
            if (c <= ' ' || c >= 127)
            {
                problem = $"character U+{(int)c:X4} must be given as a \\three-digit octal escape code";
                return null;
            }
            current.Add(Lower((byte)c));
        }
        if (current.Count > 0 && Close() is { } lastTooLong) { problem = lastTooLong; return null; }
        if (total > 255)
        {
            problem = $"it is {total} bytes long; 255 is the most DNS allows";
            return null;
        }
        return labels;

        string? Close()
        {
            if (current.Count > 63)
                return $"label '{Encoding.Latin1.GetString(current.ToArray())}' is {current.Count} bytes long; 63 is the most DNS allows";
            labels.Add(current.ToArray());
            total += current.Count + 1;
            current.Clear();
            return null;
        }
    }

    private static bool IsOctal(string text, int at) =>
        at + 2 < text.Length && text[at] is >= '0' and <= '7' && text[at + 1] is >= '0' and <= '7' && text[at + 2] is >= '0' and <= '7';

    private static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
}
