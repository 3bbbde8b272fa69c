using System.Globalization;

namespace SiosRoute53.Tunables;

/// <summary>Where a tunable's value came from.</summary>
// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum TunableSource : long { Default, File, Parameter }

public sealed record TunableValue(string Key, string Value, TunableSource Source, string? File, int? Line, string Range, string Description);

/// <summary>A tunables file cannot be read, or holds a bad value; names the file, line and key.</summary>
public sealed class TunablesFileException : Model.HaException
{
    public override string ErrorId => "TunablesFileInvalid";
    public override Model.HaErrorKind Kind => Model.HaErrorKind.ConfigurationInvalid;

    public TunablesFileException(string path, int? line, string? key, string message, Exception? inner = null)
        : base(message, inner)
    {
        (FilePath, Line, Key) = (path, line, key);
    }

    public string FilePath { get; }
    public int? Line { get; }
    public string? Key { get; }
}

/// <summary>
/// The tunables in force for one operation: built-in defaults, overridden by the KEY=VALUE file (LifeKeeper's
/// format: '#' comments, optional quotes, 'export' allowed), overridden by cmdlet parameters. The file is read
/// anew for every operation, so an edit takes effect at the next one without a restart.
/// </summary>
public sealed class TunableSet
{
    public const string DefaultPath = "/etc/default/SiosRoute53";
    private readonly Dictionary<string, TunableValue> _values;

    private TunableSet(Dictionary<string, TunableValue> values, string path)
    {
        _values = values;
        Path = path;
    }

    public string Path { get; }

    public IEnumerable<TunableValue> Values => TunableCatalog.All.Select(d => _values[d.Key]);

    /// <summary>The file named by SIOSR53_TUNABLES, else /etc/default/SiosRoute53.</summary>
    public static string ResolvePath(string? path) =>
        !string.IsNullOrWhiteSpace(path) ? path
        : Environment.GetEnvironmentVariable("SIOSR53_TUNABLES") is { Length: > 0 } env ? env
        : DefaultPath;

    /// <summary>Reads the file (a missing file means all defaults) and applies <paramref name="overrides"/>.</summary>
    public static TunableSet Load(string? path, IReadOnlyDictionary<string, string>? overrides = null)
    {
        string file = ResolvePath(path);
        var values = TunableCatalog.All.ToDictionary(d => d.Key, d => new TunableValue(d.Key, d.Default, TunableSource.Default, null, null, d.Range, d.Description));
        if (File.Exists(file))
        {
            string[] lines;
            try { lines = File.ReadAllLines(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TunablesFileException(file, null, null, $"The tunables file '{file}' cannot be read: {e.Message}. Check its permissions (it is read as root).", e);
            }
            for (int i = 0; i < lines.Length; i++)
            {
                var parsed = ParseLine(lines[i], file, i + 1);
                if (parsed is null) continue;
                var (key, value) = parsed.Value;
                var definition = TunableCatalog.Find(key);
                if (definition is null) continue; // the file is shared with other settings; only ours are checked
                string? problem = definition.Check(value);
                if (problem is not null)
                    throw new TunablesFileException(file, i + 1, key,
                        $"{file} line {i + 1}: {key}={value}: {problem}. Allowed: {definition.Range}. Fix the line or remove it to use the default {definition.Default}.");
                values[key] = new TunableValue(key, value, TunableSource.File, file, i + 1, definition.Range, definition.Description);
            }
        }
        else if (Directory.Exists(file))
        {
            throw new TunablesFileException(file, null, null, $"The tunables path '{file}' is a directory; give the path of a KEY=VALUE file.");
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            var definition = TunableCatalog.Find(key) ?? throw new Model.HaArgumentException($"'{key}' is not a tunable. Known: {string.Join(", ", TunableCatalog.All.Select(t => t.Key))}.", key);
            string? problem = definition.Check(value);
            if (problem is not null) throw new Model.HaArgumentException($"{key}={value}: {problem}. Allowed: {definition.Range}.", value);
            values[key] = new TunableValue(key, value, TunableSource.Parameter, null, null, definition.Range, definition.Description);
        }
        return new TunableSet(values, file);
    }

    private static (string Key, string Value)? ParseLine(string raw, string file, int lineNumber)
    {
        string line = raw.Trim();
        if (line.Length == 0 || line.StartsWith('#')) return null;
        if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
        int eq = line.IndexOf('=');
        if (eq <= 0)
            throw new TunablesFileException(file, lineNumber, null, $"{file} line {lineNumber}: '{raw}' is not KEY=VALUE. Fix or comment out the line with '#'.");
        string key = line[..eq].Trim();
        string value = line[(eq + 1)..].Trim();
        int hash = value.IndexOf(" #", StringComparison.Ordinal);
        if (hash >= 0 && !(value.StartsWith('"') || value.StartsWith('\''))) value = value[..hash].TrimEnd();
        if (value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'')) value = value[1..^1];
        foreach (char c in key)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new TunablesFileException(file, lineNumber, key, $"{file} line {lineNumber}: '{key}' is not a valid key (letters, digits and '_' only).");
        return (key, value);
    }

    public string Text(string key) => _values.TryGetValue(key, out var v) ? v.Value : throw new KeyNotFoundException($"'{key}' is not a tunable.");

    public int Int(string key) => int.Parse(Text(key), CultureInfo.InvariantCulture);

    public TimeSpan Seconds(string key) => TimeSpan.FromSeconds(Int(key));

    public TunableValue Get(string key) => _values[key];

    private TunableSnapshot? _typed;

    /// <summary>The same values, typed, read once.</summary>
    public TunableSnapshot Typed => _typed ??= TunableSnapshot.From(this);
}
