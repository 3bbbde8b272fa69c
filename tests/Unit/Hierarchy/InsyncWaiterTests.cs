using SiosRoute53.Kits;

namespace SiosRoute53.Tests.Unit.Hierarchy;

public class InsyncWaiterTests
{
    [Fact]
    public void The_schedule_grows_from_half_a_second_then_polls_on_every_multiple_of_the_interval_within_the_seed_budget()
    {
        var schedule = InsyncWaiter.Schedule(TimeSpan.FromSeconds(20), 5).ToList();
        Assert.Equal(new[] { 0.5, 1, 2, 4, 8, 4.5, 20, 20, 20, 20 }, schedule.Select(t => t.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(100), schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b));
    }

    [Fact]
    public void Every_multiple_of_the_interval_is_a_poll_so_no_change_is_seen_later_than_with_fixed_polling()
    {
        var at = new List<double>();
        double t = 0;
        foreach (var pause in InsyncWaiter.Schedule(TimeSpan.FromSeconds(20), 5)) at.Add(t += pause.TotalSeconds);
        Assert.Contains(20.0, at);
        Assert.Contains(40.0, at);
        Assert.Contains(60.0, at);
        Assert.Contains(80.0, at);
        Assert.Contains(100.0, at);
    }

    [Fact]
    public void A_small_interval_caps_every_pause()
    {
        var schedule = InsyncWaiter.Schedule(TimeSpan.FromSeconds(1), 3).ToList();
        Assert.All(schedule, p => Assert.True(p <= TimeSpan.FromSeconds(1)));
        Assert.Equal(3.0, schedule.Sum(p => p.TotalSeconds), 3);
    }
}
