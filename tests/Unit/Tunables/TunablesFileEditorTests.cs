using SiosRoute53.Model;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Tunables;

/// <summary>Set-HaTunable edits the file as an operator would: the value changes, everything else stays.</summary>
public sealed class TunablesFileEditorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-edit-").FullName;
    private string File(string text)
    {
        string path = Path.Combine(_dir, "SiosRoute53");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static Dictionary<string, string?> Set(params (string Key, string? Value)[] changes) =>
        changes.ToDictionary(c => c.Key, c => c.Value, StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void A_value_changes_in_place_keeping_export_spacing_quotes_and_comment()
    {
        const string before = "# cluster-wide\nexport ROUTE53_TTL = '30'   # short, for tests\n\nLKROOT=/opt/LifeKeeper\n";
        var (text, edits) = TunablesFileEditor.Apply(before, "f", Set(("route53_ttl", "60")));
        Assert.Equal("# cluster-wide\nexport ROUTE53_TTL = '60'   # short, for tests\n\nLKROOT=/opt/LifeKeeper\n", text);
        var edit = Assert.Single(edits);
        Assert.Equal(("ROUTE53_TTL", "30", "60", 2), (edit.Key, edit.OldValue, edit.NewValue, edit.Line));
    }

    [Fact]
    public void A_key_listed_commented_out_gets_its_line_below_the_comment_and_another_is_appended()
    {
        const string before = "# Time limit.\n#ROUTE53_QUICKCHECK_TIMEOUT=25\n\n# other\n";
        var (text, edits) = TunablesFileEditor.Apply(before, "f", Set(("ROUTE53_QUICKCHECK_TIMEOUT", "40"), ("FASTKILL_COMMAND", "echo a # b")));
        Assert.Equal("# Time limit.\n#ROUTE53_QUICKCHECK_TIMEOUT=25\nROUTE53_QUICKCHECK_TIMEOUT=40\n\n# other\nFASTKILL_COMMAND=\"echo a # b\"\n", text);
        Assert.Equal(new int?[] { 3, 6 }, edits.Select(e => e.Line).ToArray());
        Assert.Equal("echo a # b", TunableSet.Parse(text, "f").Text("FASTKILL_COMMAND"));
    }

    [Fact]
    public void Returning_to_the_default_removes_every_line_of_the_key_and_a_repeated_key_ends_on_one_line()
    {
        const string before = "ROUTE53_TTL=30\nLCMHBEATTIME=2\nROUTE53_TTL=45 # again\nLCMHBEATTIME=3\n";
        var (text, edits) = TunablesFileEditor.Apply(before, "f", Set(("ROUTE53_TTL", null), ("LCMHBEATTIME", "4")));
        Assert.Equal("LCMHBEATTIME=4\n", text);
        Assert.Equal(2, edits.Count);
        Assert.Empty(TunableSet.Parse(text, "f").Warnings);
    }

    [Fact]
    public void A_bad_value_or_unknown_key_is_refused_and_the_file_is_not_touched()
    {
        string path = File("ROUTE53_TTL=30\n");
        var bad = Assert.Throws<HaArgumentException>(() => TunablesFileEditor.Edit(path, Set(("ROUTE53_TTL", "-1"))));
        Assert.Equal("ROUTE53_TTL=-1: -1 is outside 0–86400 s. Allowed: 0–86400 s.", bad.Message);
        var unknown = Assert.Throws<HaArgumentException>(() => TunablesFileEditor.Edit(path, Set(("ROUTE53_TTTL", "3"))));
        Assert.Contains("did you mean ROUTE53_TTL?", unknown.Message);
        Assert.Equal("ROUTE53_TTL=30\n", System.IO.File.ReadAllText(path));
    }

    [Fact]
    public void The_file_is_written_with_its_mode_kept_and_nothing_is_written_without_a_change()
    {
        string path = File("# mine\nROUTE53_TTL=30\n");
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var stamp = System.IO.File.GetLastWriteTimeUtc(path);
        Assert.Empty(TunablesFileEditor.Edit(path, Set(("ROUTE53_TTL", "30"))));
        Assert.Equal(stamp, System.IO.File.GetLastWriteTimeUtc(path));

        TunablesFileEditor.Edit(path, Set(("ROUTE53_TTL", "31")));
        Assert.Equal("# mine\nROUTE53_TTL=31\n", System.IO.File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(path));
        Assert.Equal(new[] { "SiosRoute53" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray());
    }

    [Fact]
    public void A_missing_file_is_created()
    {
        string path = Path.Combine(_dir, "new");
        TunablesFileEditor.Edit(path, Set(("QUORUM_MODE", "none")));
        Assert.Equal("none", TunableSet.Load(path).Text("QUORUM_MODE"));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
