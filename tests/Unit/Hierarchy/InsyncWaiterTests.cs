using SiosRoute53.Kits;

namespace SiosRoute53.Tests.Unit.Hierarchy;

public class InsyncWaiterTests
{
    [Fact]
    public void The_schedule_grows_from_half_a_second_up_to_the_interval_within_the_seed_budget()
    {
        var schedule = InsyncWaiter.Schedule(TimeSpan.FromSeconds(20), 5).ToList();
        Assert.Equal(new[] { 0.5, 1, 2, 4, 8, 16, 20, 20, 20, 8.5 }, schedule.Select(t => t.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(100), schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b));
    }

    [Fact]
    public void A_small_interval_caps_every_pause()
    {
        var schedule = InsyncWaiter.Schedule(TimeSpan.FromSeconds(1), 3).ToList();
        Assert.All(schedule, p => Assert.True(p <= TimeSpan.FromSeconds(1)));
        Assert.Equal(3.0, schedule.Sum(p => p.TotalSeconds), 3);
    }
}
