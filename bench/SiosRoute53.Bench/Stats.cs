using System.Globalization;

namespace SiosRoute53.Bench;

/// <summary>Distributions, not single times: median, p90, min, max of a sample.</summary>
public sealed record Distribution(int Count, double Min, double Median, double P90, double Max, double Mean)
{
    public static Distribution Of(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return new Distribution(0, 0, 0, 0, 0, 0);
        double Q(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1 < 0 ? 0 : (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Distribution(sorted.Length, sorted[0], Q(0.5), Q(0.9), sorted[^1], sorted.Average());
    }

    public string Format(string unit = "s") =>
        string.Create(CultureInfo.InvariantCulture, $"median {Median:0.00} {unit}, p90 {P90:0.00} {unit}, min {Min:0.00}, max {Max:0.00} (n={Count})");
}

internal static class Report
{
    public static string Machine() =>
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    public static string F(double v, string format = "0.00") => v.ToString(format, CultureInfo.InvariantCulture);
}
