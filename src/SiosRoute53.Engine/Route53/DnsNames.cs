namespace SiosRoute53.Route53;

/// <summary>
/// DNS names as Route 53 treats them: case-insensitive, absolute (ending with a dot), and with Route 53's escapes
/// ("\052" for "*", any character outside a–z, 0–9, "-" and "_" as a backslash and three octal digits) meaning the
/// character itself, since Route 53 accepts either form and answers with the escaped one.
/// </summary>
public static class DnsNames
{
    /// <summary>
    /// Lower-case, unescaped and fully qualified: "App.Example.com" becomes "app.example.com.", "\052.example.com."
    /// becomes "*.example.com.". An escaped dot ("\056") stays escaped: it is part of a label, not a separator.
    /// </summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        name = Unescape(name.Trim()).ToLowerInvariant();
        if (name.Length == 0) return ".";
        return name.EndsWith('.') ? name : name + ".";
    }

    /// <summary>Replaces Route 53's octal escapes ("\ooo") with their characters, except the dot.</summary>
    public static string Unescape(string name)
    {
        if (!name.Contains('\\')) return name;
        var sb = new System.Text.StringBuilder(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] == '\\' && IsOctal(name, i + 1) && IsOctal(name, i + 2) && IsOctal(name, i + 3))
            {
                int code = (name[i + 1] - '0') * 64 + (name[i + 2] - '0') * 8 + (name[i + 3] - '0');
                if (code != '.' && code < 256)
                {
                    sb.Append((char)code);
                    i += 3;
                    continue;
                }
            }
            sb.Append(name[i]);
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int i) => i < s.Length && s[i] is >= '0' and <= '7';

    public static bool Equal(string a, string b) => Normalize(a) == Normalize(b);

    /// <summary>True when <paramref name="name"/> is <paramref name="zone"/> itself or below it.</summary>
    public static bool IsInZone(string name, string zone)
    {
        string n = Normalize(name), z = Normalize(zone);
        return n == z || n.EndsWith("." + z, StringComparison.Ordinal) || z == ".";
    }

    /// <summary>
    /// Checks that a name is a valid DNS host name for an A record: labels of 1–63 letters, digits or hyphens
    /// (not at either end; a leading "*" label allowed), 253 characters at most. Returns null when valid, else why not.
    /// </summary>
    public static string? Validate(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "the name is empty";
        string n = Normalize(name).TrimEnd('.');
        if (n.Length == 0) return "the name is the root";
        if (n.Length > 253) return $"the name is {n.Length} characters long; 253 is the most DNS allows";
        var labels = n.Split('.');
        for (int i = 0; i < labels.Length; i++)
        {
            string label = labels[i];
            if (label.Length == 0) return "it has an empty label (two dots in a row)";
            if (label.Length > 63) return $"label '{label}' is longer than 63 characters";
            if (i == 0 && label == "*") continue;
            if (label.StartsWith('-') || label.EndsWith('-')) return $"label '{label}' starts or ends with a hyphen";
            foreach (char c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
                    return $"label '{label}' contains '{c}'; only letters, digits and hyphens are allowed";
        }
        return null;
    }

    /// <summary>
    /// Route 53's order for ListResourceRecordSets: by name with labels reversed ("com.example.www"), then by type.
    /// </summary>
    public static int CompareForListing(string a, string b)
    {
        string ra = ReverseLabels(Normalize(a)), rb = ReverseLabels(Normalize(b));
        return string.CompareOrdinal(ra, rb);
    }

    private static string ReverseLabels(string name)
    {
        var labels = name.TrimEnd('.').Split('.');
        Array.Reverse(labels);
        return string.Join('.', labels);
    }
}
