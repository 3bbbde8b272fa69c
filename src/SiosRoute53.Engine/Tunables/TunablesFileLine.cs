namespace SiosRoute53.Tunables;

/// <summary>
/// One KEY=VALUE line of a tunables file, as a shell reads it: optional 'export ', the value bare (a '#' after a
/// space starts a comment) or in single or double quotes (the whole value, spaces and '#' included, with an optional
/// comment after the closing quote). <see cref="Prefix"/> and <see cref="Comment"/> keep the line's own spelling,
/// so an edit changes the value and nothing else.
/// </summary>
public sealed record TunablesFileLine(string Key, string Value, string Prefix, string Comment)
{
    /// <summary>The lines of <paramref name="text"/>, numbered from 1, without their line ends.</summary>
    public static IEnumerable<(int Number, string Text)> Split(string text)
    {
        var lines = text.Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++) yield return (i + 1, lines[i].TrimEnd('\r'));
    }

    /// <summary>Null for a blank or comment line; the key and value otherwise; throws naming the file and line when the line cannot be read.</summary>
    public static TunablesFileLine? Parse(string raw, string file, int lineNumber)
    {
        string trimmed = raw.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('#')) return null;
        int eq = raw.IndexOf('=');
        string left = eq < 0 ? trimmed : raw[..eq].Trim();
        if (left.StartsWith("export ", StringComparison.Ordinal)) left = left[7..].TrimStart();
        if (eq < 0 || left.Length == 0)
            throw new TunablesFileException(file, lineNumber, null, $"{file} line {lineNumber}: '{raw}' is not KEY=VALUE. Fix or comment out the line with '#'.");
        foreach (char c in left)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new TunablesFileException(file, lineNumber, left, $"{file} line {lineNumber}: '{left}' is not a valid key (letters, digits and '_' only).");

        string rest = raw[(eq + 1)..];
        int start = 0;
        while (start < rest.Length && char.IsWhiteSpace(rest[start])) start++;
        string value;
        int end;
        if (start < rest.Length && rest[start] is '"' or '\'')
        {
            char quote = rest[start];
            int close = rest.IndexOf(quote, start + 1);
            if (close < 0)
                throw new TunablesFileException(file, lineNumber, left, $"{file} line {lineNumber}: the value of {left} opens a quote ({quote}) that is not closed. Close it, or remove it.");
            value = rest[(start + 1)..close];
            end = close + 1;
            string after = rest[end..].TrimStart();
            if (after.Length > 0 && after[0] != '#')
                throw new TunablesFileException(file, lineNumber, left,
                    $"{file} line {lineNumber}: {left} has '{after}' after its closing quote. Put the whole value in the quotes; a comment after it starts with '#'.");
        }
        else
        {
            int hash = start;
            while (hash < rest.Length && !(rest[hash] == '#' && hash > 0 && char.IsWhiteSpace(rest[hash - 1]))) hash++;
            value = rest[start..hash].TrimEnd();
            end = start + value.Length;
        }
        return new TunablesFileLine(left, value, raw[..(eq + 1)] + rest[..start], rest[end..]);
    }

    /// <summary>The line with <paramref name="value"/> in place of its value: the same prefix, comment and quoting (quotes added when the value needs them).</summary>
    public string WithValue(string value, string originalRaw)
    {
        string rest = originalRaw[Prefix.Length..];
        char? quote = rest.Length > 0 && rest[0] is '"' or '\'' ? rest[0] : null;
        return Prefix + Quote(value, quote) + Comment;
    }

    /// <summary>A value as it is written in the file: bare when it can be, else quoted.</summary>
    public static string Quote(string value, char? preferred = null)
    {
        bool needs = value.Length == 0 && preferred is not null || value.Any(c => char.IsWhiteSpace(c) || c is '#' or '"' or '\'' or '$' or '`' or '\\');
        if (!needs && preferred is null) return value;
        char quote = preferred ?? '"';
        if (value.Contains(quote)) quote = quote == '"' ? '\'' : '"';
        return quote + value + quote;
    }
}
