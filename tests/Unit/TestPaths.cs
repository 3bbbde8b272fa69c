namespace SiosRoute53.Tests.Unit;

internal static class TestPaths
{
    /// <summary>The project's root: the folder that holds SiosRoute53.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Third-party test inputs kept in the repository (tests/TestData, with their licences and a NOTICE).</summary>
    public static string TestData => Path.Combine(Root, "tests", "TestData");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SiosRoute53.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SiosRoute53.sln not found above " + AppContext.BaseDirectory);
    }
}
