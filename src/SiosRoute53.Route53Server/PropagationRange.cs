using System.Globalization;

namespace SiosRoute53.Route53Server;

/// <summary>
/// How long a change stays PENDING: a fixed time, or a range from which each change draws its own time uniformly
/// (real changes take from a few seconds to about a minute).
/// </summary>
public readonly record struct PropagationRange
{
    public PropagationRange(TimeSpan min, TimeSpan max)
    {
        if (min < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(min), min, "A propagation time must not be negative.");
        if (max < min) throw new ArgumentOutOfRangeException(nameof(max), max, $"The longest propagation time must not be shorter than the shortest ({min.TotalSeconds} s).");
        (Min, Max) = (min, max);
    }

    public TimeSpan Min { get; }
    public TimeSpan Max { get; }

    public static PropagationRange Fixed(TimeSpan delay) => new(delay, delay);

    /// <summary>This change's propagation time.</summary>
    public TimeSpan Draw(Random random) =>
        Min == Max ? Min : Min + (Max - Min) * random.NextDouble();

    /// <summary>Reads "2" (seconds, fixed) or "20-60" (uniform between the two); throws <see cref="FormatException"/> naming the value.</summary>
    public static PropagationRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Trim().Split('-');
        if (parts.Length is 1 or 2 && parts.All(p => double.TryParse(p, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s)))
        {
            var seconds = parts.Select(p => TimeSpan.FromSeconds(double.Parse(p, CultureInfo.InvariantCulture))).ToArray();
            if (seconds[^1] >= seconds[0]) return new PropagationRange(seconds[0], seconds[^1]);
        }
        throw new FormatException($"propagation '{text}' is not SECONDS or MIN-MAX seconds with MIN <= MAX (e.g. 2 or 20-60).");
    }

    public override string ToString() =>
        Min == Max ? Seconds(Min) : $"{Seconds(Min)}-{Seconds(Max)}";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
