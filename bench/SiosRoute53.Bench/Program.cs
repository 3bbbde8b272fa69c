using SiosRoute53.Bench;

// Benchmarks that run in-process: each writes a markdown report to the folder given (default bench/results).
string what = args.Length > 0 ? args[0] : "all";
if (what == "counting-server") return await CountingServer.RunAsync(args);
string output = args.Length > 1 && what != "seed-node" ? args[1] : Path.Combine("bench", "results");
if (what != "seed-node") Directory.CreateDirectory(output);

async Task Write(string name, Func<Task<string>> run)
{
    Console.WriteLine($"running {name} ...");
    string report = await run();
    File.WriteAllText(Path.Combine(output, name + ".md"), report);
    Console.WriteLine(report);
}

if (what is "insync" or "all") await Write("insync-lag", InsyncBenchmark.RunAsync);
if (what is "checkcost" or "all") await Write("check-cost", CheckCostBenchmark.RunAsync);
if (what is "startcost" or "all") await Write("start-cost", StartCostBenchmark.RunAsync);
if (what is "faults" or "all") await Write("insync-faults", FaultScenarios.ReportAsync);
if (what is "seed-node")
{
    // seed-node ENDPOINT STATE_DIR COUNT: used by bench/Invoke-Benchmarks.ps1; keys come from the environment.
    string zone = await NodeSeeder.SeedAsync(new Uri(args[1]), Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")!,
        Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY")!, args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
    Console.WriteLine(zone);
}
return 0;
