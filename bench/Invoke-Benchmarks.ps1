<#
.SYNOPSIS
    Runs every benchmark and writes its report to bench/results/ (markdown): ratios and distributions, never single times.
.DESCRIPTION
    1. INSYNC detection lag and GetChange calls (in-process, simulated clock + real server) -> insync-lag.md;
       requests one restore makes when Route 53 throttles or drops after accepting the change -> insync-faults.md
    2. API calls and time of a health-check cycle under 5 requests/s        -> check-cost.md
    3. Process cost of a scheduled health check and Get-HaResource, module import, against the AWS CLI -> process-cost.md
    4. Client-visible outage of switchover and failover in the demo lab, split by phase (needs root) -> outage.md
    5. The node agent's memory and CPU, idle and during a 1000-resource check -> agent-resources.md
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ServerPath,
    [string] $ResultPath = (Join-Path $PSScriptRoot 'results'),
    [int] $Runs = 10,
    [int] $Rounds = 3,
    # Which parts to run: inproc (1 and 2), process (3), agent (5), outage (4).
    [ValidateSet('inproc', 'process', 'agent', 'outage')] [string[]] $Only = @('inproc', 'process', 'agent', 'outage'),
    # Another build of the module (an older one, say): with 'process', its one-resource scheduled check is measured
    # interleaved with this build's and a bare pwsh start, run by run, so both see the same machine load.
    [string] $CompareModulePath
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$ServerPath = (Resolve-Path $ServerPath).Path
New-Item -ItemType Directory -Force $ResultPath | Out-Null
$ResultPath = (Resolve-Path $ResultPath).Path
$root = Join-Path ([System.IO.Path]::GetTempPath()) "siosroute53-bench-$PID"
New-Item -ItemType Directory -Force $root | Out-Null
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$manifest = Join-Path $ModulePath 'SiosRoute53.psd1'
$benchProject = Join-Path $PSScriptRoot 'SiosRoute53.Bench'
$machine = "$([Environment]::ProcessorCount) cores, $([Math]::Round((Get-Content /proc/meminfo -TotalCount 1).Split(' ', [StringSplitOptions]::RemoveEmptyEntries)[1] / 1MB)) GiB, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription), PowerShell $($PSVersionTable.PSVersion)"

function Get-Distribution([double[]] $values, [string] $unit = 's') {
    $sorted = $values | Sort-Object
    $median = $sorted[[Math]::Floor(($sorted.Count - 1) / 2)]
    $p90 = $sorted[[Math]::Min($sorted.Count - 1, [Math]::Ceiling(0.9 * $sorted.Count) - 1)]
    [pscustomobject]@{ Median = $median; P90 = $p90; Min = $sorted[0]; Max = $sorted[-1]; Count = $sorted.Count
        Text = ('median {0:0.000} {4}, p90 {1:0.000} {4}, min {2:0.000}, max {3:0.000} (n={5})' -f $median, $p90, $sorted[0], $sorted[-1], $unit, $sorted.Count) }
}

function Measure-Process {
    <# Runs a command $Runs times and returns the wall-clock distribution (of the runs that succeeded, with -AllowFailure). #>
    param([string] $File, [string[]] $Arguments, [hashtable] $Environment = @{}, [switch] $AllowFailure)
    $failures = 0
    $times = foreach ($i in 1..$Runs) {
        $psi = [System.Diagnostics.ProcessStartInfo]::new($File)
        foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $p = [System.Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
        $p.WaitForExit()
        if ($p.ExitCode -and -not $AllowFailure) { throw "$File $($Arguments -join ' ') exited $($p.ExitCode): $($err.Result) $($out.Result)" }
        if ($p.ExitCode) { $failures++ } else { $watch.Elapsed.TotalSeconds }
    }
    $d = if ($times) { Get-Distribution $times } else { [pscustomobject]@{ Median = [double]::NaN; Text = 'every run failed' } }
    if ($failures) { $d.Text += "; $failures of $Runs runs failed" }
    $d
}

$accessKey = 'AKIDSIOSROUTE53BENCH'
$secretKey = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(24))
$server = $null; $agent = $null
try {
    # ---- 1 and 2: in-process ----------------------------------------------------------------------------------
    & dotnet build -c Release $benchProject --nologo -v quiet | Out-Null
    if ($Only -contains 'inproc') {
        & dotnet run -c Release --project $benchProject --no-build -- all $ResultPath
        if ($LASTEXITCODE) { throw 'The in-process benchmarks failed.' }
    }

    # ---- a server for 3 and 5 -----------------------------------------------------------------------------------
    $port = Get-Random -Minimum 20000 -Maximum 40000
    $endpoint = "http://127.0.0.1:$port"
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @((Join-Path $ServerPath 'SiosRoute53.Route53Server.dll'), '--listen', "127.0.0.1:$port", '--rate', '0', '--propagation', '0')) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true
    $psi.Environment['SIOSR53_ACCESS_KEY_ID'] = $accessKey; $psi.Environment['SIOSR53_SECRET_ACCESS_KEY'] = $secretKey; $psi.Environment['SIOSR53_CONTROL_TOKEN'] = 'bench'
    $server = [System.Diagnostics.Process]::Start($psi)
    while (($line = $server.StandardOutput.ReadLine()) -notmatch '^listening') { }
    $env:AWS_ACCESS_KEY_ID = $accessKey; $env:AWS_SECRET_ACCESS_KEY = $secretKey; $env:AWS_EC2_METADATA_DISABLED = 'true'
    $env:AWS_DEFAULT_REGION = 'us-east-1'; $env:AWS_PAGER = ''
    $zones = @{}
    foreach ($n in $(if ($CompareModulePath -and $Only -notcontains 'agent') { 1 } else { 1, 1000 })) {
        $dir = Join-Path $root "node$n"
        $zones[$n] = (& dotnet run -c Release --project $benchProject --no-build -- seed-node $endpoint $dir $n | Select-Object -Last 1).Trim()
    }
    function Set-Rate([double] $rate) {
        $body = @{ requestsPerSecond = $rate; throttleNextRequests = 0; priorRequestWindowSeconds = 0; latencyMilliseconds = 0; serverErrorRate = 0; dropRate = 0; outage = $false; propagationDelaySeconds = 0 } | ConvertTo-Json
        Invoke-RestMethod -Method Put "$endpoint/_control/faults" -Headers @{ 'X-Control-Token' = 'bench' } -ContentType 'application/json' -Body $body | Out-Null
    }
    Set-Rate 5
    $tunables = Join-Path $root 'tunables'
    Set-Content $tunables "ROUTE53_REQUESTS_PER_SECOND=5`nROUTE53_RECORDCHECK_TRY_COUNT=4`n"

    # ---- 3: process cost ----------------------------------------------------------------------------------------
    if ($Only -contains 'process' -and $CompareModulePath) {
        $other = Join-Path (Resolve-Path $CompareModulePath).Path 'SiosRoute53.psd1'
        $envs = @{ SIOSR53_STATE_DIR = (Join-Path $root 'node1'); SIOSR53_TUNABLES = $tunables }
        $commands = [ordered]@{
            'bare pwsh start' = 'exit 0'
            'scheduled check, this build' = "Import-Module '$manifest'; exit (Test-HaResource -Recover -AsExitCode)"
            'scheduled check, the other build' = "Import-Module '$other'; exit (Test-HaResource -Recover -AsExitCode)"
        }
        $times = @{}; foreach ($k in $commands.Keys) { $times[$k] = [System.Collections.Generic.List[double]]::new() }
        $saved = $Runs; $Runs = 1
        foreach ($i in 1..$saved) {
            foreach ($k in $commands.Keys) { $times[$k].Add((Measure-Process dotnet @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', $commands[$k]) $envs).Median) }
        }
        $Runs = $saved
        $bareI = Get-Distribution $times['bare pwsh start']
        $lines = @(
            '# Process cost of a scheduled health check: this build against another, interleaved'
            ''
            "Machine: $machine; load average at the start: $((Get-Content /proc/loadavg).Split(' ')[0..2] -join ', ')."
            "$Runs rounds; each round runs the three commands below once, one after another, so every build sees the same load."
            "One route53 resource in service, its record in the zone, on the Route 53-compatible server on loopback. This build: $ModulePath; the other: $CompareModulePath."
            "Reproduce: ``dotnet pwsh bench/Invoke-Benchmarks.ps1 -ModulePath out/SiosRoute53 -ServerPath out/Route53Server -Only process -CompareModulePath <other build>``."
            ''
        )
        $lines += '| what | time | ÷ bare pwsh start (medians) |'
        $lines += '|---|---|---:|'
        foreach ($k in $commands.Keys) { $d = Get-Distribution $times[$k]; $lines += ('| {0} | {1} | {2:0.00}× |' -f $k, $d.Text, ($d.Median / $bareI.Median)) }
        $lines | Set-Content (Join-Path $ResultPath 'process-compare.md')
        $lines | Write-Host
    }
    elseif ($Only -contains 'process') {
    $aws = (Get-Command aws -CommandType Application -ErrorAction Ignore | Where-Object Source -Like '/usr/bin/*' | Select-Object -First 1).Source
    $rows = [System.Collections.Generic.List[object]]::new()
    function Add-Row([string] $what, $dist, [string] $note = '') { $rows.Add([pscustomobject]@{ What = $what; Dist = $dist; Note = $note }) }
    Add-Row 'pwsh start, nothing else' (Measure-Process dotnet @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', 'exit 0'))
    Add-Row 'pwsh start + Import-Module SiosRoute53' (Measure-Process dotnet @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$manifest'"))
    $importInProcess = foreach ($i in 1..$Runs) {
        [double](& dotnet $pwshDll -NoProfile -NonInteractive -Command "(Measure-Command { Import-Module '$manifest' }).TotalSeconds")
    }
    Add-Row 'Import-Module SiosRoute53 alone (inside pwsh)' (Get-Distribution $importInProcess)
    foreach ($n in 1, 1000) {
        $envs = @{ SIOSR53_STATE_DIR = (Join-Path $root "node$n"); SIOSR53_TUNABLES = $tunables }
        # The command the health-check unit runs (README), with the module named by path instead of installed.
        Add-Row "scheduled health check, $n route53 resource(s): pwsh + import + Test-HaResource -Recover -AsExitCode" (Measure-Process dotnet @($pwshDll, '-NoProfile', '-NonInteractive', '-Command',
            "Import-Module '$manifest'; exit (Test-HaResource -Recover -AsExitCode)") $envs) "$(if ($n -eq 1) { '1 API call' } else { '7 API calls (one zone, 2002 records, 300 a page)' })"
        Add-Row "Get-HaResource, $n resource(s): pwsh + import + Get-HaResource" (Measure-Process dotnet @($pwshDll, '-NoProfile', '-NonInteractive', '-Command',
            "Import-Module '$manifest'; Get-HaResource | Out-Null") $envs) 'no API call'
        $inProcess = foreach ($i in 1..[Math]::Min($Runs, 5)) {
            [double](& dotnet $pwshDll -NoProfile -NonInteractive -Command "`$env:SIOSR53_STATE_DIR='$(Join-Path $root "node$n")'; `$env:SIOSR53_TUNABLES='$tunables'; Import-Module '$manifest'; (Measure-Command { Test-HaResource -Quiet }).TotalSeconds")
        }
        Add-Row "Test-HaResource alone (inside pwsh), $n resource(s)" (Get-Distribution $inProcess)
        if ($aws) {
            $cliEnv = @{ AWS_MAX_ATTEMPTS = '10'; AWS_RETRY_MODE = 'standard' }
            Add-Row "AWS CLI: one read of the record (list-resource-record-sets --start-record-name, max 1), zone of $n" (Measure-Process $aws @('route53', 'list-resource-record-sets',
                '--hosted-zone-id', $zones[$n], '--start-record-name', "svc0.n$n.bench.example.", '--start-record-type', 'A', '--max-items', '1', '--endpoint-url', $endpoint) $cliEnv -AllowFailure) 'what a per-resource check runs for each resource'
            Add-Row "AWS CLI: the whole zone (list-resource-record-sets, all pages), zone of $n" (Measure-Process $aws @('route53', 'list-resource-record-sets', '--hosted-zone-id', $zones[$n], '--endpoint-url', $endpoint) $cliEnv -AllowFailure) 'AWS_MAX_ATTEMPTS=10; its pages go out as fast as it can send them'
        }
    }
    $lines = @(
        '# Process cost: a scheduled health check, Get-HaResource, module import, and the AWS CLI'
        ''
        "Machine: $machine. $Runs runs each (wall clock, including process start). The Route 53-compatible server on loopback"
        'with its 5 requests/s limit; the node states have 1 or 1000 route53 resources in service with their records in the zone.'
        "AWS CLI: $(if ($aws) { (& $aws --version) } else { 'not installed (apt-get install awscli), rows left out' }), against the same server and zone."
        'Reproduce: `dotnet pwsh ./build.ps1 -Task Bench`.'
        ''
        '| what | time | note |'
        '|---|---|---|'
    ) + ($rows | ForEach-Object { "| $($_.What) | $($_.Dist.Text) | $($_.Note) |" })
    $hc1 = ($rows | Where-Object What -Like 'scheduled health check, 1 *').Dist.Median
    $hc1000 = ($rows | Where-Object What -Like 'scheduled health check, 1000*').Dist.Median
    $bare = ($rows | Where-Object What -EQ 'pwsh start, nothing else').Dist.Median
    $imported = ($rows | Where-Object What -EQ 'pwsh start + Import-Module SiosRoute53').Dist.Median
    $lines += ''
    $lines += ('A scheduled check of one resource costs {0:0.00}× a bare pwsh start ({1:0.000} s ÷ {2:0.000} s, medians; the goal is 1.5×): the import adds {3:0.000} s, the check {4:0.000} s.' -f ($hc1 / $bare), $hc1, $bare, ($imported - $bare), ($hc1 - $imported))
    if ($aws) {
        $cli1 = ($rows | Where-Object What -Like 'AWS CLI: one read*zone of 1').Dist.Median
        $lines += ''
        $lines += ('A per-resource check that runs the AWS CLI once per resource costs about {0:0.00} s per resource: {1:0} s for 1000 resources,' -f $cli1, (1000 * $cli1))
        $lines += ('against {0:0.00} s for one scheduled Test-HaResource over all 1000 ({1:0}× less); for a single resource the two cost {2:0.00} s and {3:0.00} s.' -f $hc1000, (1000 * $cli1 / $hc1000), $cli1, $hc1)
    }
    $lines | Set-Content (Join-Path $ResultPath 'process-cost.md')
    $lines | Write-Host
    }

    # ---- 5: the agent's memory and CPU ---------------------------------------------------------------------------
    if ($Only -contains 'agent') {
    $agentDir = Join-Path $root 'node1000'
    $agentTunables = Join-Path $root 'agent-tunables'
    Set-Content $agentTunables "LCMHBEATTIME=5`nLKCHECKINTERVAL=15`nROUTE53_REQUESTS_PER_SECOND=5`nQUORUM_MODE=none`nWITNESS_MODE=none`n"
    $agentPort = $port + 1
    & dotnet $pwshDll -NoProfile -NonInteractive -Command "`$env:SIOSR53_STATE_DIR='$agentDir'; Import-Module '$manifest'; New-HaCluster bench -NodeName bench -Path 127.0.0.1:$agentPort | Out-Null"
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$manifest'; Start-HaNode")) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
    $psi.Environment['SIOSR53_STATE_DIR'] = $agentDir; $psi.Environment['SIOSR53_TUNABLES'] = $agentTunables
    $agent = [System.Diagnostics.Process]::Start($psi)
    $agentStarted = [DateTimeOffset]::UtcNow
    $ticks = [double](& getconf CLK_TCK)
    $samples = foreach ($i in 1..120) {
        Start-Sleep -Milliseconds 500
        $stat = (Get-Content "/proc/$($agent.Id)/stat" -Raw) -replace '^.*\) ', '' -split ' '
        $rss = [double](((Get-Content "/proc/$($agent.Id)/status") -match '^VmRSS:') -split '\s+')[1] / 1024
        [pscustomobject]@{ Time = [DateTimeOffset]::UtcNow; Cpu = ([double]$stat[11] + [double]$stat[12]) / $ticks; RssMb = $rss }
    }
    # One summary event per check cycle (no tag), stamped at its end, with its duration.
    $cyclesSeen = Get-Content (Join-Path $agentDir 'events.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } |
        Where-Object { $_.action -eq 'quickCheck' -and -not $_.tag -and [DateTimeOffset]$_.time -ge $agentStarted } |
        ForEach-Object { $end = [DateTimeOffset]$_.time; [pscustomobject]@{ Start = $end - [TimeSpan]$_.duration; End = $end; Seconds = ([TimeSpan]$_.duration).TotalSeconds } }
    $busy = { param($t) @($cyclesSeen | Where-Object { $t -ge $_.Start.AddSeconds(-0.5) -and $t -le $_.End.AddSeconds(0.5) }).Count -gt 0 }
    $intervals = for ($i = 1; $i -lt $samples.Count; $i++) {
        $a = $samples[$i - 1]; $b = $samples[$i]
        [pscustomobject]@{ Busy = (& $busy $b.Time); CpuPercent = 100 * ($b.Cpu - $a.Cpu) / ($b.Time - $a.Time).TotalSeconds; RssMb = $b.RssMb }
    }
    $settled = $intervals | Select-Object -Skip 10
    $idle = $settled | Where-Object { -not $_.Busy }
    $during = $settled | Where-Object Busy
    $cycles = @($cyclesSeen).Count
    $cycleTime = if ($cycles) { (Get-Distribution ($cyclesSeen.Seconds)).Text } else { 'none' }
    $lines = @(
        '# The node agent: memory and CPU, idle and during a 1000-resource check'
        ''
        "Machine: $machine. One node agent (Start-HaNode in its own pwsh) with 1000 route53 resources in service in one zone, LKCHECKINTERVAL=15,"
        'LCMHBEATTIME=5, against the Route 53-compatible server with its 5 requests/s limit. /proc sampled every 0.5 s for 60 s; the first 5 s left out.'
        "$cycles check cycle(s) ran (each: $cycleTime); a sample counts as ""during a check"" from 0.5 s before a cycle to 0.5 s after it."
        'Reproduce: `dotnet pwsh ./build.ps1 -Task Bench`.'
        ''
        '| phase | CPU (% of one core) | resident memory |'
        '|---|---|---|'
        "| idle | $((Get-Distribution ($idle.CpuPercent) '%').Text) | $((Get-Distribution ($idle.RssMb) 'MiB').Text) |"
        "| during a 1000-resource check | $(if ($during) { (Get-Distribution ($during.CpuPercent) '%').Text } else { 'no sample' }) | $(if ($during) { (Get-Distribution ($during.RssMb) 'MiB').Text } else { 'no sample' }) |"
    )
    $lines | Set-Content (Join-Path $ResultPath 'agent-resources.md')
    $lines | Write-Host
    $agent.Kill($true); $agent = $null
    }

    # ---- 4: outage in the demo lab ---------------------------------------------------------------------------
    if ($Only -notcontains 'outage') { }
    elseif ((& id -u) -eq '0') {
        & dotnet $pwshDll -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../demo/Invoke-Demo.ps1') -ModulePath $ModulePath -ServerPath $ServerPath -Rounds $Rounds -ResultPath (Join-Path $ResultPath 'outage.md')
        if ($LASTEXITCODE) { throw 'The outage benchmark (demo lab) failed.' }
    }
    else {
        Set-Content (Join-Path $ResultPath 'outage.md') "# Outage`n`nNot measured: the demo lab needs root."
    }
}
finally {
    if ($agent -and -not $agent.HasExited) { $agent.Kill($true) }
    if ($server -and -not $server.HasExited) { $server.Kill($true) }
    Remove-Item -Recurse -Force $root -ErrorAction Ignore
}
