using System.Globalization;

namespace SiosRoute53.Tunables;

/// <summary>Where a tunable's value came from.</summary>
// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum TunableSource : long { Default, File, Parameter }

public sealed record TunableValue(string Key, string Value, TunableSource Source, string? File, int? Line, string Range, string Description);

/// <summary>A line of the tunables file that is read but probably not what was meant: an unknown key that looks like a known one, a key set twice.</summary>
public sealed record TunableWarning(string File, int Line, string Key, string Message);

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

    private TunableSet(Dictionary<string, TunableValue> values, string path, IReadOnlyList<TunableWarning> warnings)
    {
        _values = values;
        Path = path;
        Warnings = warnings;
    }

    public string Path { get; }

    public IEnumerable<TunableValue> Values => TunableCatalog.All.Select(d => _values[d.Key]);

    /// <summary>Lines of the file that were read but are probably not what was meant (each names file, line and key).</summary>
    public IReadOnlyList<TunableWarning> Warnings { get; }

    /// <summary>The file named by SIOSR53_TUNABLES, else /etc/default/SiosRoute53.</summary>
    public static string ResolvePath(string? path) =>
        !string.IsNullOrWhiteSpace(path) ? path
        : Environment.GetEnvironmentVariable("SIOSR53_TUNABLES") is { Length: > 0 } env ? env
        : DefaultPath;

    /// <summary>Reads the file (a missing file means all defaults) and applies <paramref name="overrides"/>.</summary>
    public static TunableSet Load(string? path, IReadOnlyDictionary<string, string>? overrides = null)
    {
        string file = ResolvePath(path);
        if (Directory.Exists(file))
            throw new TunablesFileException(file, null, null, $"The tunables path '{file}' is a directory; give the path of a KEY=VALUE file.");
        string? text = null;
        if (File.Exists(file))
        {
            try { text = File.ReadAllText(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TunablesFileException(file, null, null, $"The tunables file '{file}' cannot be read: {e.Message}. Check its permissions (it is read as root).", e);
            }
        }
        return Parse(text, file).With(overrides);
    }

    /// <summary>The tunables that <paramref name="text"/> (the contents of <paramref name="file"/>; null: no file) sets over the defaults.</summary>
    public static TunableSet Parse(string? text, string file)
    {
        var values = TunableCatalog.All.ToDictionary(d => d.Key, d => new TunableValue(d.Key, d.Default, TunableSource.Default, null, null, d.Range, d.Description));
        var warnings = new List<TunableWarning>();
        foreach (var line in TunablesFileLine.Split(text ?? ""))
        {
            var parsed = TunablesFileLine.Parse(line.Text, file, line.Number);
            if (parsed is null) continue;
            var (key, value) = (parsed.Key, parsed.Value);
            var definition = TunableCatalog.Find(key);
            if (definition is null)
            {
                // The file may be shared with other settings (LifeKeeper's own): only a key that looks like one of ours is worth a warning.
                if (TunableCatalog.Closest(key) is { } meant)
                    warnings.Add(new TunableWarning(file, line.Number, key,
                        $"{file} line {line.Number}: '{key}' is not a tunable and is ignored; did you mean {meant.Key}? (Keys are upper case; Get-HaTunable lists them.)"));
                continue;
            }
            string? problem = definition.Check(value);
            if (problem is not null)
                throw new TunablesFileException(file, line.Number, key,
                    $"{file} line {line.Number}: {key}={value}: {problem}. Allowed: {definition.Range}. Fix the line or remove it to use the default {(definition.Default.Length == 0 ? "(empty)" : definition.Default)}.");
            if (values[key] is { Source: TunableSource.File, Line: { } earlier })
                warnings.Add(new TunableWarning(file, line.Number, key,
                    $"{file} line {line.Number}: {key} is set again (first on line {earlier}); the last one, line {line.Number} ({key}={value}), is in force. Remove one of them."));
            values[key] = new TunableValue(key, value, TunableSource.File, file, line.Number, definition.Range, definition.Description);
        }
        return new TunableSet(values, file, warnings);
    }

    /// <summary>
    /// These tunables with <paramref name="overrides"/> (for one call: a cmdlet's -Tunable) on top. A key is matched
    /// against the catalogue in any letter case; an unknown key or a value out of range is an error naming it.
    /// </summary>
    public TunableSet With(IReadOnlyDictionary<string, string>? overrides)
    {
        if (overrides is null || overrides.Count == 0) return this;
        var values = new Dictionary<string, TunableValue>(_values);
        foreach (var (key, value) in CheckOverrides(overrides))
        {
            var definition = TunableCatalog.Find(key)!;
            values[key] = new TunableValue(key, value, TunableSource.Parameter, null, null, definition.Range, definition.Description);
        }
        return new TunableSet(values, Path, Warnings);
    }

    /// <summary>
    /// Overrides with their keys as the catalogue spells them, each value checked against its range; throws
    /// <see cref="Model.HaArgumentException"/> naming the first unknown key (and the closest known one) or bad value.
    /// </summary>
    public static IReadOnlyDictionary<string, string> CheckOverrides(IReadOnlyDictionary<string, string> overrides)
    {
        var checkedValues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (given, value) in overrides)
        {
            var definition = TunableCatalog.All.FirstOrDefault(t => t.Key.Equals(given, StringComparison.OrdinalIgnoreCase))
                ?? throw new Model.HaArgumentException(
                    $"'{given}' is not a tunable{(TunableCatalog.Closest(given) is { } meant ? $"; did you mean {meant.Key}?" : ".")} Known: {string.Join(", ", TunableCatalog.All.Select(t => t.Key))}.", given);
            string text = (value ?? "").Trim();
            if (definition.Check(text) is { } problem)
                throw new Model.HaArgumentException($"{definition.Key}={text}: {problem}. Allowed: {definition.Range}.", text);
            checkedValues[definition.Key] = text;
        }
        return checkedValues;
    }

    public string Text(string key) => _values.TryGetValue(key, out var v) ? v.Value : throw new KeyNotFoundException($"'{key}' is not a tunable.");

    public int Int(string key) => int.Parse(Text(key), CultureInfo.InvariantCulture);

    public TimeSpan Seconds(string key) => TimeSpan.FromSeconds(Int(key));

    public TunableValue Get(string key) => _values[key];

    private TunableSnapshot? _typed;

    /// <summary>The same values, typed, read once.</summary>
    public TunableSnapshot Typed => _typed ??= TunableSnapshot.From(this);
}
