using SiosRoute53.Bench;

// Benchmarks that run in-process: each writes a markdown report to the folder given (default bench/results).
string what = args.Length > 0 ? args[0] : "all";
string output = args.Length > 1 ? args[1] : Path.Combine("bench", "results");
Directory.CreateDirectory(output);

async Task Write(string name, Func<Task<string>> run)
{
    Console.WriteLine($"running {name} ...");
    string report = await run();
    File.WriteAllText(Path.Combine(output, name + ".md"), report);
    Console.WriteLine(report);
}

if (what is "insync" or "all") await Write("insync-lag", InsyncBenchmark.RunAsync);
if (what is "checkcost" or "all") await Write("check-cost", CheckCostBenchmark.RunAsync);
if (what is "seed-node")
{
    // Used by the agent benchmark: a node store with N route53 resources in service, records in a running server.
    Console.Error.WriteLine("seed-node is run by bench/Measure-Agent.ps1");
}
return 0;
