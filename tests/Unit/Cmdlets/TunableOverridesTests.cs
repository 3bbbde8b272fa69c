using System.Collections;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Cmdlets;

/// <summary>-Tunable: what Tab offers inside @{ } is the catalogue, and the conversion checks keys and values.</summary>
public class TunableOverridesTests
{
    [Fact]
    public void Tab_offers_exactly_the_tunables_of_the_catalogue()
    {
        var offered = typeof(TunableOverrides).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Order().ToArray();
        Assert.Equal(TunableCatalog.All.Select(t => t.Key).Order().ToArray(), offered);
    }

    [Fact]
    public void A_hashtable_becomes_checked_values_with_the_catalogue_spelling()
    {
        var overrides = new TunableOverrides(new Hashtable { ["route53_ttl"] = 30, ["WITNESS_MODE"] = "none" });
        Assert.Equal(new Dictionary<string, string> { ["ROUTE53_TTL"] = "30", ["WITNESS_MODE"] = "none" }, overrides.Values);
        var e = Assert.Throws<HaArgumentException>(() => new TunableOverrides(new Hashtable { ["ROUTE53_TTL"] = 1.5 }));
        Assert.Contains("ROUTE53_TTL=1.5: '1.5' is not a whole number", e.Message);
    }
}
