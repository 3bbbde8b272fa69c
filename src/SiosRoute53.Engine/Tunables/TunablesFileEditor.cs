using System.Text;

namespace SiosRoute53.Tunables;

/// <summary>One change an edit makes to the tunables file: the key, its value before and after (null: the default), and where.</summary>
public sealed record TunableEdit(string Key, string? OldValue, string? NewValue, int? Line, string Description)
{
    public override string ToString() => Description;
}

/// <summary>
/// Changes tunables in the KEY=VALUE file the way an operator would by hand: the line in force gets the new value and
/// keeps its 'export', spacing, quotes and trailing comment; a key that is only listed commented out (as the install
/// writes every key) gets its line right below that comment; any other key is appended. Resetting a key to its
/// default removes its lines. Every other line, comment and blank line stays as it was. The result must read back
/// cleanly before it is written (atomically, keeping the file's mode), so a bad edit changes nothing.
/// </summary>
public static class TunablesFileEditor
{
    /// <summary>
    /// The new text and what changed. <paramref name="changes"/>: key (any letter case) → new value, or null to
    /// return to the default. Throws <see cref="Model.HaArgumentException"/> for an unknown key or a bad value.
    /// </summary>
    public static (string Text, IReadOnlyList<TunableEdit> Edits) Apply(string? text, string file, IReadOnlyDictionary<string, string?> changes)
    {
        var lines = TunablesFileLine.Split(text ?? "").Select(l => l.Text).ToList();
        var edits = new List<TunableEdit>();
        var values = TunableSet.CheckOverrides(changes.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!, StringComparer.OrdinalIgnoreCase));
        var resets = changes.Where(c => c.Value is null).Select(c => Canonical(c.Key)).ToList();

        foreach (var key in values.Keys.Concat(resets))
        {
            string? value = values.TryGetValue(key, out var v) ? v : null;
            if (value is not null && value.Contains('"') && value.Contains('\''))
                throw new Model.HaArgumentException($"{key}: a value cannot hold both kinds of quote (\" and ') in a tunables file.", value);
            var active = new List<(int Index, TunablesFileLine Line)>();
            int commented = -1;
            for (int i = 0; i < lines.Count; i++)
            {
                if (TunablesFileLine.Parse(lines[i], file, i + 1) is { } parsed)
                {
                    if (parsed.Key == key) active.Add((i, parsed));
                }
                else if (IsCommentedOut(lines[i], key)) commented = i;
            }
            if (value is null)
            {
                if (active.Count == 0) continue;
                string old = active[^1].Line.Value;
                foreach (var (index, _) in Enumerable.Reverse(active)) lines.RemoveAt(index);
                edits.Add(new TunableEdit(key, old, null, active[^1].Index + 1,
                    $"{key}: removed {Plural(active.Count, "line")} ({string.Join(", ", active.Select(a => a.Index + 1))}); back to the default {DefaultText(key)}"));
                continue;
            }
            if (active.Count > 0)
            {
                var (index, line) = active[^1];
                if (line.Value == value && active.Count == 1) continue;
                lines[index] = line.WithValue(value, lines[index]);
                foreach (var (earlier, _) in Enumerable.Reverse(active.Take(active.Count - 1))) lines.RemoveAt(earlier);
                int at = index + 1 - (active.Count - 1);
                edits.Add(new TunableEdit(key, line.Value, value, at,
                    $"{key}: {Show(line.Value)} → {Show(value)} on line {at}" + (active.Count > 1 ? $" (and {Plural(active.Count - 1, "earlier line")} setting it removed)" : "")));
            }
            else if (commented >= 0)
            {
                lines.Insert(commented + 1, $"{key}={TunablesFileLine.Quote(value)}");
                edits.Add(new TunableEdit(key, null, value, commented + 2, $"{key}: {DefaultText(key)} (default) → {Show(value)} on line {commented + 2}, below its commented-out line"));
            }
            else
            {
                lines.Add($"{key}={TunablesFileLine.Quote(value)}");
                edits.Add(new TunableEdit(key, null, value, lines.Count, $"{key}: {DefaultText(key)} (default) → {Show(value)}, added as line {lines.Count}"));
            }
        }
        string newText = lines.Count == 0 ? "" : string.Join('\n', lines) + "\n";
        TunableSet.Parse(newText, file); // the edited file must read back; else nothing is written
        return (newText, edits);
    }

    /// <summary>Applies <paramref name="changes"/> to the file (created when missing) and writes it atomically if anything changed.</summary>
    public static IReadOnlyList<TunableEdit> Edit(string file, IReadOnlyDictionary<string, string?> changes, bool write = true)
    {
        string target = File.Exists(file) && new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true) is { } link ? link.FullName : file;
        string? text = null;
        try { if (File.Exists(target)) text = File.ReadAllText(target); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TunablesFileException(file, null, null, $"The tunables file '{file}' cannot be read: {e.Message}. Run as root.", e);
        }
        var (newText, edits) = Apply(text, file, changes);
        if (!write || edits.Count == 0) return edits;
        string temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(target))!, $".{System.IO.Path.GetFileName(target)}.{Environment.ProcessId}.tmp");
        try
        {
            var mode = File.Exists(target) ? File.GetUnixFileMode(target)
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                stream.Write(Encoding.UTF8.GetBytes(newText));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw new TunablesFileException(file, null, null, $"The tunables file '{file}' cannot be written: {e.Message}. Nothing was changed; run as root.", e);
        }
        return edits;
    }

    private static string Canonical(string key) =>
        TunableCatalog.All.FirstOrDefault(t => t.Key.Equals(key, StringComparison.OrdinalIgnoreCase))?.Key
        ?? throw new Model.HaArgumentException($"'{key}' is not a tunable{(TunableCatalog.Closest(key) is { } meant ? $"; did you mean {meant.Key}?" : ".")}", key);

    /// <summary>'#KEY=…' or '# KEY=…': the key listed at its default, as the install writes every key.</summary>
    private static bool IsCommentedOut(string raw, string key)
    {
        string t = raw.TrimStart();
        if (!t.StartsWith('#')) return false;
        t = t[1..].TrimStart();
        return t.StartsWith(key, StringComparison.Ordinal) && t[key.Length..].TrimStart().StartsWith('=');
    }

    private static string DefaultText(string key) => TunableCatalog.Find(key)!.Default is { Length: > 0 } d ? d : "(empty)";

    private static string Show(string value) => value.Length == 0 ? "(empty)" : value;

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
