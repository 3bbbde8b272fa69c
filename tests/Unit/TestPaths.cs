namespace SiosRoute53.Tests.Unit;

internal static class TestPaths
{
    /// <summary>The project's root: the folder that holds SiosRoute53.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>../shared/reference beside the project's root (overridable with SIOSR53_SHARED for unusual layouts).</summary>
    public static string SharedReference =>
        Path.Combine(Environment.GetEnvironmentVariable("SIOSR53_SHARED") ?? Path.Combine(Root, "..", "shared"), "reference");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SiosRoute53.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SiosRoute53.sln not found above " + AppContext.BaseDirectory);
    }
}
