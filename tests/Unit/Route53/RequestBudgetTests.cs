using SiosRoute53.Route53;

namespace SiosRoute53.Tests.Unit.Route53;

public sealed class RequestBudgetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-budget-").FullName;

    [Fact]
    public async Task Budgets_sharing_a_file_space_their_requests_as_one()
    {
        // Two budgets on one file stand for two processes on one node (the agent and a scheduled check).
        string file = Path.Combine(_dir, "budget");
        var agent = new RequestBudget(10, file);
        var check = new RequestBudget(10, file);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? agent : check).AcquireAsync(default)));
        // 10 requests at 10 per second: the last may go 0.9 s after the first, not earlier.
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(850), $"10 requests took {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task A_budget_whose_file_cannot_be_used_still_spaces_its_own_requests()
    {
        File.WriteAllText(Path.Combine(_dir, "not-a-dir"), "");
        var budget = new RequestBudget(20, Path.Combine(_dir, "not-a-dir", "budget"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 5; i++) await budget.AcquireAsync(default);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(180), $"5 requests took {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
