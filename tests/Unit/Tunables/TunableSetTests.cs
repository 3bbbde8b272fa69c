using SiosRoute53.Model;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Tunables;

public sealed class TunableSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-tunables-").FullName;

    private string Write(string text)
    {
        string path = Path.Combine(_dir, "LifeKeeper");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_missing_file_means_the_seed_defaults()
    {
        var set = TunableSet.Load(Path.Combine(_dir, "absent"));
        Assert.Equal(10, set.Int("ROUTE53_TTL"));
        Assert.Equal(2, set.Int("ROUTE53_RECORD_INTERVAL"));
        Assert.Equal(3, set.Int("ROUTE53_RECORD_TRY_COUNT"));
        Assert.Equal(20, set.Int("ROUTE53_CHANGEID_INTERVAL"));
        Assert.Equal(5, set.Int("ROUTE53_CHANGEID_TRY_COUNT"));
        Assert.Equal(2, set.Int("ROUTE53_RECORDCHECK_INTERVAL"));
        Assert.Equal(4, set.Int("ROUTE53_RECORDCHECK_TRY_COUNT"));
        Assert.Equal(25, set.Int("ROUTE53_QUICKCHECK_TIMEOUT"));
        Assert.Equal(5, set.Int("LCMHBEATTIME"));
        Assert.Equal(3, set.Int("LCMNUMHBEATS"));
        Assert.Equal(120, set.Int("LKCHECKINTERVAL"));
        Assert.All(set.Values, v => Assert.Equal(TunableSource.Default, v.Source));
    }

    [Fact]
    public void Reads_LifeKeeper_format_with_comments_quotes_export_and_foreign_keys()
    {
        string path = Write("""
            # LifeKeeper settings
            LKROOT=/opt/LifeKeeper
            ROUTE53_TTL=30
            export ROUTE53_CHANGEID_TRY_COUNT="7"
              ROUTE53_RECORD_INTERVAL = '4'   
            QUORUM_MODE=tcp_remote # fencing without a witness
            """);
        var set = TunableSet.Load(path);
        Assert.Equal(30, set.Int("ROUTE53_TTL"));
        Assert.Equal(7, set.Int("ROUTE53_CHANGEID_TRY_COUNT"));
        Assert.Equal(4, set.Int("ROUTE53_RECORD_INTERVAL"));
        Assert.Equal("tcp_remote", set.Text("QUORUM_MODE"));
        var ttl = set.Get("ROUTE53_TTL");
        Assert.Equal(TunableSource.File, ttl.Source);
        Assert.Equal(3, ttl.Line);
    }

    [Fact]
    public void Parameters_override_the_file()
    {
        string path = Write("ROUTE53_TTL=30\n");
        var set = TunableSet.Load(path, new Dictionary<string, string> { ["ROUTE53_TTL"] = "60" });
        Assert.Equal(60, set.Int("ROUTE53_TTL"));
        Assert.Equal(TunableSource.Parameter, set.Get("ROUTE53_TTL").Source);
    }

    [Theory]
    [InlineData("ROUTE53_TTL=-1", "ROUTE53_TTL", "outside")]
    [InlineData("ROUTE53_TTL=ten", "ROUTE53_TTL", "not a whole number")]
    [InlineData("ROUTE53_CHANGEID_TRY_COUNT=0", "ROUTE53_CHANGEID_TRY_COUNT", "outside")]
    [InlineData("QUORUM_MODE=maybe", "QUORUM_MODE", "not one of")]
    public void A_bad_value_names_the_file_line_and_key(string line, string key, string why)
    {
        string path = Write("# first\n" + line + "\n");
        var e = Assert.Throws<TunablesFileException>(() => TunableSet.Load(path));
        Assert.Equal(2, e.Line);
        Assert.Equal(key, e.Key);
        Assert.Contains(path, e.Message);
        Assert.Contains("line 2", e.Message);
        Assert.Contains(key, e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void A_line_that_is_not_key_value_is_an_error_naming_it()
    {
        string path = Write("ROUTE53_TTL 30\n");
        var e = Assert.Throws<TunablesFileException>(() => TunableSet.Load(path));
        Assert.Equal(1, e.Line);
        Assert.Contains("'ROUTE53_TTL 30' is not KEY=VALUE", e.Message);
    }

    [Fact]
    public void A_directory_or_an_unknown_override_is_refused()
    {
        Assert.Throws<TunablesFileException>(() => TunableSet.Load(_dir));
        var e = Assert.Throws<HaArgumentException>(() => TunableSet.Load(Path.Combine(_dir, "absent"), new Dictionary<string, string> { ["ROUTE53_TTLL"] = "3" }));
        Assert.Contains("ROUTE53_TTLL", e.Message);
    }

    [Fact]
    public void The_file_is_read_again_for_every_operation()
    {
        string path = Write("ROUTE53_TTL=30\n");
        Assert.Equal(30, TunableSet.Load(path).Int("ROUTE53_TTL"));
        Write("ROUTE53_TTL=45\n");
        Assert.Equal(45, TunableSet.Load(path).Int("ROUTE53_TTL"));
    }

    [Fact]
    public void A_key_that_looks_like_a_tunable_is_a_warning_naming_file_line_and_the_key_meant()
    {
        string path = Write("LKROOT=/opt/LifeKeeper\nroute53_ttl=30\nROUTE53_CHANGEID_TRYCOUNT=7\n");
        var set = TunableSet.Load(path);
        Assert.Equal(10, set.Int("ROUTE53_TTL"));
        Assert.Collection(set.Warnings,
            w => Assert.Equal((2, "route53_ttl", $"{path} line 2: 'route53_ttl' is not a tunable and is ignored; did you mean ROUTE53_TTL? (Keys are upper case; Get-HaTunable lists them.)"), (w.Line, w.Key, w.Message)),
            w => Assert.Equal((3, "ROUTE53_CHANGEID_TRY_COUNT"), (w.Line, TunableCatalog.Closest(w.Key)!.Key)));
    }

    [Fact]
    public void A_key_set_twice_is_a_warning_naming_both_lines_and_the_last_is_in_force()
    {
        string path = Write("ROUTE53_TTL=30\n# later\nROUTE53_TTL=60\n");
        var set = TunableSet.Load(path);
        Assert.Equal(60, set.Int("ROUTE53_TTL"));
        var w = Assert.Single(set.Warnings);
        Assert.Equal($"{path} line 3: ROUTE53_TTL is set again (first on line 1); the last one, line 3 (ROUTE53_TTL=60), is in force. Remove one of them.", w.Message);
    }

    [Theory]
    [InlineData("FASTKILL_COMMAND=\"echo a # b\"   # why", "echo a # b")]
    [InlineData("FASTKILL_COMMAND='echo \"x\"' # why", "echo \"x\"")]
    [InlineData("FASTKILL_COMMAND=echo#x # why", "echo#x")]
    [InlineData("FASTKILL_COMMAND=   # nothing", "")]
    [InlineData("export FASTKILL_COMMAND=\"\"", "")]
    public void Quotes_keep_spaces_and_hashes_and_a_comment_may_follow(string line, string expected)
    {
        Assert.Equal(expected, TunableSet.Load(Write(line + "\n")).Text("FASTKILL_COMMAND"));
    }

    [Theory]
    [InlineData("FASTKILL_COMMAND=\"echo a", "opens a quote (\") that is not closed")]
    [InlineData("FASTKILL_COMMAND=\"echo\" a", "has 'a' after its closing quote")]
    public void A_broken_quote_is_an_error_naming_the_line(string line, string expected)
    {
        var e = Assert.Throws<TunablesFileException>(() => TunableSet.Load(Write("# x\n" + line + "\n")));
        Assert.Equal((2, "FASTKILL_COMMAND"), (e.Line, e.Key));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("ROUTE53_ENDPOINT_URL=route53.local:8053", "ROUTE53_ENDPOINT_URL", "is not an http or https URL")]
    [InlineData("ROUTE53_ENDPOINT_URL=ftp://route53.local/", "ROUTE53_ENDPOINT_URL", "is not an http or https URL")]
    [InlineData("ROUTE53_DNS_HINT_SERVERS=10.0.0.2,resolver", "ROUTE53_DNS_HINT_SERVERS", "'resolver', which is not an IP address")]
    public void A_url_or_address_list_is_checked_when_read_naming_key_and_file(string line, string key, string why)
    {
        string path = Write(line + "\n");
        var e = Assert.Throws<TunablesFileException>(() => TunableSet.Load(path));
        Assert.Equal(key, e.Key);
        Assert.Contains($"{path} line 1: {key}=", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Overrides_match_keys_in_any_case_and_an_unknown_key_names_the_closest()
    {
        var set = TunableSet.Load(Path.Combine(_dir, "absent"), new Dictionary<string, string> { ["route53_changeid_try_count"] = "7" });
        Assert.Equal(7, set.Typed.ChangeIdTryCount);
        Assert.Equal(TunableSource.Parameter, set.Get("ROUTE53_CHANGEID_TRY_COUNT").Source);
        var e = Assert.Throws<HaArgumentException>(() => TunableSet.CheckOverrides(new Dictionary<string, string> { ["ROUTE53_CHANGE_TRY_COUNT"] = "7" }));
        Assert.StartsWith("'ROUTE53_CHANGE_TRY_COUNT' is not a tunable; did you mean ROUTE53_CHANGEID_TRY_COUNT?", e.Message);
        var range = Assert.Throws<HaArgumentException>(() => TunableSet.CheckOverrides(new Dictionary<string, string> { ["LCMNUMHBEATS"] = "1" }));
        Assert.Equal("LCMNUMHBEATS=1: 1 is outside 2–100 times. Allowed: 2–100 times.", range.Message);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
