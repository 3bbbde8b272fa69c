<#
.SYNOPSIS
    The chaos suite: randomised faults against a two-node cluster with a witness in network namespaces, with the
    invariants sampled every half second. Needs root. Start it through build.ps1 -Task Chaos -Rounds N -Seed S.
.DESCRIPTION
    Builds the lab (the Route 53-compatible server with fault injection, node1, node2, a witness, the on-premises
    client), creates the hierarchy web -> web-dns -> web-ip on both nodes and brings it in service on node1. Then,
    for each round, draws a fault from the seed (SIGKILL or SIGSTOP an agent, cut a node's link, drop one direction,
    cut the witness, restart an agent, switch over, throttle or stop Route 53, or nothing), holds it, heals it, and
    waits for the cluster to converge. A sampler in the client's namespace records every node's state and the
    record as the client resolves it every 0.5 s; each round's samples are judged against the invariants:
      - at most one node has the hierarchy in service (of the nodes whose agent runs);
      - the A record holds the owner's address and the ownership mark names it;
      - after healing, exactly one owner within the stated bound;
      - every change of the hierarchy's state on a node is an event in that node's history, and no history shrinks;
      - no agent the suite did not stop has exited.
    Prints each round, each violation with the seed, the round and every node's events, the time to converge
    (median, p90, max), and as its last line "chaos: R rounds, V violations". The same seed draws the same faults.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ServerPath,
    [ValidateRange(1, 10000)] [int] $Rounds = 10,
    [int] $Seed = 1,
    # {seed, rounds, violations, ...} as JSON, for build.ps1's summary and the report.
    [string] $ResultPath,
    # Two overlapping faults per round (the second starts while the first still holds), judged the same way.
    [switch] $Overlap
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ModulePath = (Resolve-Path $ModulePath).Path
$ServerPath = (Resolve-Path $ServerPath).Path
Import-Module (Join-Path $PSScriptRoot 'ClusterLab.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'ChaosLab.psm1') -Force

function Save-Result($result) {
    if ($ResultPath) {
        New-Item -ItemType Directory -Force (Split-Path $ResultPath) | Out-Null
        $result | ConvertTo-Json -Depth 8 | Set-Content $ResultPath
    }
}

$schedule = @(Get-ChaosSchedule -Rounds $Rounds -Seed $Seed -Overlap:$Overlap)
$reason = Test-ClusterLabSupport
if ($reason) {
    Write-Host "chaos: skipped: $reason."
    Save-Result @{ seed = $Seed; rounds = 0; violations = 0; violatingRounds = 0; skipped = $reason }
    Write-Host 'chaos: 0 rounds, 0 violations'
    return
}

function Now { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }
function Say([string] $text) { Write-Host ("{0:HH:mm:ss.f}  {1}" -f [DateTime]::UtcNow, $text) }
function Format-Ms([long] $ms) { [DateTimeOffset]::FromUnixTimeMilliseconds($ms).ToString('HH:mm:ss.fff') }

$root = Join-Path ([System.IO.Path]::GetTempPath()) "sr53-chaos-$PID"
Remove-Item -Recurse -Force $root -ErrorAction Ignore
$secret = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(24))
$token = [guid]::NewGuid().ToString('n')
$propagation = 1
$lab = $null
$sampler = $null
$stopFile = Join-Path $root 'sampler.stop'
$samplesFile = Join-Path $root 'samples.jsonl'
$results = [System.Collections.Generic.List[object]]::new()
$harnessError = $null
try {
    $lab = New-ClusterLab -Root $root -Prefix "sr53c$($PID % 1000)" -ModulePath (Join-Path $ModulePath 'SiosRoute53.psd1') -ServerPath $ServerPath -AccessKey 'AKIDSIOSROUTE53CHAOS' -SecretKey $secret
    # The cluster tests' timings, but a check interval closer to the default (120 s): a node must not rely on its
    # next check to notice that it is no longer the owner.
    Set-Content (Join-Path $root 'tunables') @"
LCMHBEATTIME=1
LCMNUMHBEATS=3
LKCHECKINTERVAL=30
ROUTE53_RECORD_INTERVAL=1
ROUTE53_CHANGEID_INTERVAL=1
ROUTE53_CHANGEID_TRY_COUNT=30
ROUTE53_RECORDCHECK_INTERVAL=1
ROUTE53_RECORDCHECK_TRY_COUNT=2
SERVICE_COMMAND_TIMEOUT=10
QUORUM_MODE=majority
WITNESS_MODE=remote_verify
"@
    Start-LabServer $lab -PropagationSeconds $propagation -ControlToken $token
    Invoke-InLab $lab node1 @"
New-HaCluster lab -NodeName node1 -Path $($lab.Addresses.node1):7353 | Out-Null
Export-HaClusterKey '$root/lab.key' -WarningAction SilentlyContinue | Out-Null
New-HaIpResource web-ip $($lab.Addresses.node1) | Out-Null
New-HaRoute53Resource web-dns app.corp.example -HostedZoneId $($lab.ZoneId) -IpResource web-ip -EndpointUrl $($lab.ServerEndpoint) | Out-Null
New-HaServiceResource web -StartCommand true -StopCommand true -CheckCommand true -DependsOn web-dns | Out-Null
"@ | Out-Null
    Start-LabAgent $lab node1
    Invoke-InLab $lab node2 "Join-HaCluster -NodeName node2 -Path $($lab.Addresses.node2):7353 -KeyFile '$root/lab.key' -Peer $($lab.Addresses.node1):7353 | Out-Null" | Out-Null
    # node2's agent runs before the witness joins: adding a member needs a majority of the members.
    Start-LabAgent $lab node2
    Invoke-InLab $lab witness "Join-HaCluster -NodeName witness -Path $($lab.Addresses.witness):7353 -KeyFile '$root/lab.key' -Peer $($lab.Addresses.node1):7353 -Witness | Out-Null" | Out-Null
    Remove-Item "$root/lab.key"
    Start-LabAgent $lab witness
    Invoke-InLab $lab node1 "Expand-HaResource web node2 -Priority 2 -Address $($lab.Addresses.node2) | Out-Null; if (-not (Start-HaResource web).Succeeded) { throw 'start failed' }" | Out-Null
    $null = Wait-LabCondition -Seconds 30 -Because 'node2 has the extended hierarchy' { ((Get-LabState $lab node2).resources | Where-Object tag -EQ 'web-ip').nodes.node2 }

    $sampler = Start-LabProcess $lab client 'sampler' @('dotnet', (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'ChaosSampler.ps1'),
        '-Root', $root, '-Tag', 'web', '-Name', 'app.corp.example', '-DnsServer', $lab.DnsServer, '-DnsClientPath', (Join-Path $ModulePath 'bin/DnsClient.dll'),
        '-Output', $samplesFile, '-StopFile', $stopFile)
    $null = Wait-LabCondition -Seconds 60 -Because 'the sampler writes samples' { (Test-Path $samplesFile) -and (Get-Item $samplesFile).Length -gt 0 }

    # ---- the lab's moving parts ----------------------------------------------------------------------------
    $addresses = @{ node1 = $lab.Addresses.node1; node2 = $lab.Addresses.node2 }
    $inactive = [System.Collections.Generic.List[object]]::new()    # @{ Node; From; To } a killed or stopped agent
    $down = @{}                                                       # node -> the open inactive interval
    $allSamples = [System.Collections.Generic.List[object]]::new()
    $reader = [System.IO.StreamReader]::new([System.IO.FileStream]::new($samplesFile, 'Open', 'Read', 'ReadWrite'))
    $script:pending = ''
    function Update-Samples {
        $lines = ($script:pending + $reader.ReadToEnd()) -split "`n"
        $script:pending = $lines[-1]
        if ($lines.Count -lt 2) { return }
        foreach ($line in $lines[0..($lines.Count - 2)]) { if ($line.Trim()) { $allSamples.Add(($line | ConvertFrom-Json)) } }
    }
    function Get-Samples([long] $from, [long] $to) { @($allSamples | Where-Object { $_.t -ge $from -and $_.t -le $to }) }
    function Get-Events([string] $node) {
        $file = Join-Path $root "$node/state/events.jsonl"
        if (-not (Test-Path $file)) { return @() }
        @(Get-Content $file | ForEach-Object { $_ | ConvertFrom-Json -DateKind String })
    }
    function Set-Inactive([string] $node) { if (-not $down[$node]) { $down[$node] = [pscustomobject]@{ Node = $node; From = (Now); To = [long]::MaxValue }; $inactive.Add($down[$node]) } }
    function Set-Active([string] $node) { if ($down[$node]) { $down[$node].To = Now; $down.Remove($node) } }
    function Start-Agent([string] $node) {
        $before = @(Get-Content $lab.Agents[$node].Log | Select-String 'agent started').Count
        Start-LabAgent $lab $node
        $null = Wait-LabCondition -Seconds 90 -Because "the agent on $node starts again" { @(Get-Content $lab.Agents[$node].Log | Select-String 'agent started').Count -gt $before }
        Set-Active $node
    }
    function Send-Signal([string] $node, [string] $signal) { Invoke-Native "kill -$signal $($lab.Agents[$node].Process.Id)" | Out-Null }
    function Set-Route53([hashtable] $faults) {
        $document = @{ requestsPerSecond = 0; propagationDelaySeconds = $propagation }
        foreach ($k in $faults.Keys) { $document[$k] = $faults[$k] }
        $doc = $document | ConvertTo-Json -Compress
        Invoke-Native "ip netns exec $($lab.Namespaces.client) curl -sf -X PUT -H 'X-Control-Token: $token' -H 'Content-Type: application/json' --data '$doc' $($lab.ServerEndpoint)/_control/faults" | Out-Null
    }
    $blackholes = [System.Collections.Generic.List[object]]::new()
    function Repair-Lab {
        # Whatever a round left behind: links up, no blackhole routes, Route 53 answering, every agent running.
        foreach ($name in 'node1', 'node2', 'witness') { Set-ClusterLabLink $lab $name up }
        foreach ($b in @($blackholes)) { Invoke-Native "ip -n $($lab.Namespaces[$b.Node]) route del blackhole $($b.Address)/32" -IgnoreFailure | Out-Null }
        $blackholes.Clear()
        Set-Route53 @{}
        foreach ($node in @($down.Keys)) {
            if ($lab.Agents[$node].Process.HasExited) { Start-Agent $node } else { Send-Signal $node CONT; Set-Active $node }
        }
    }
    # ---- the faults: each starts, holds, and stops (heals); two of them may overlap in one round ----------------
    function Resolve-Target([string] $kind, [string] $role, [string] $owner) {
        $standby = if ($owner -eq 'node1') { 'node2' } else { 'node1' }
        switch -Wildcard ($kind) {
            'cut-witness' { 'witness' }
            'switchover' { if ($owner) { $standby } else { 'node2' } }
            'r53-*' { 'route53' }
            'heal' { '-' }
            default { if ($role -eq 'owner') { if ($owner) { $owner } else { 'node1' } } else { $standby } }
        }
    }
    function Start-Fault([string] $kind, [string] $target) {
        $other = if ($target -eq 'node1') { 'node2' } else { 'node1' }
        switch ($kind) {
            'kill' { Set-Inactive $target; Send-Signal $target KILL }
            'pause' { Set-Inactive $target; Send-Signal $target STOP }
            'cut-link' { $null = Set-ClusterLabLink $lab $target down }
            'cut-one-way' {
                $blackholes.Add(@{ Node = $target; Address = $addresses[$other] })
                Invoke-Native "ip -n $($lab.Namespaces[$target]) route add blackhole $($addresses[$other])/32" | Out-Null
            }
            'cut-witness' { $null = Set-ClusterLabLink $lab witness down }
            'restart' { Set-Inactive $target; $null = Stop-LabAgent $lab $target -Signal TERM; Start-Agent $target }
            'switchover' { return Start-InLab $lab witness "`$r = Invoke-Switchover web -ToNode $target -Force -ErrorAction SilentlyContinue; `"`$(`$r.Succeeded)|`$(`$r.Message)`"" }
            'r53-throttle' { Set-Route53 @{ requestsPerSecond = 1; throttleNextRequests = 50 } }
            'r53-outage' { Set-Route53 @{ outage = $true } }
        }
    }
    function Stop-Fault([string] $kind, [string] $target, $handle) {
        $other = if ($target -eq 'node1') { 'node2' } else { 'node1' }
        switch ($kind) {
            'kill' { Start-Agent $target }
            'pause' { Send-Signal $target CONT; Set-Active $target }
            'cut-link' { $null = Set-ClusterLabLink $lab $target up }
            'cut-one-way' {
                Invoke-Native "ip -n $($lab.Namespaces[$target]) route del blackhole $($addresses[$other])/32" | Out-Null
                foreach ($b in @($blackholes | Where-Object { $_.Node -eq $target })) { $null = $blackholes.Remove($b) }
            }
            'cut-witness' { $null = Set-ClusterLabLink $lab witness up }
            'switchover' { $run = Wait-InLab $handle; return "switchover to $target`: $($run.Output)$($run.Error)" }
            'r53-throttle' { Set-Route53 @{} }
            'r53-outage' { Set-Route53 @{} }
        }
    }

    function Get-CurrentOwner {
        Update-Samples
        $recent = $allSamples | Select-Object -Last 1
        $owners = @(if ($recent) { (Get-ChaosSampleView $recent @()).Owners })
        if ($owners.Count -eq 1) { $owners[0] } else { $null }
    }
    $historyLength = @{}
    $logLength = @{}
    $bounds = Get-ChaosBounds

    Say "chaos: seed $Seed, $Rounds rounds; lab up, web in service on node1"
    foreach ($fault in $schedule) {
        $owner = Get-CurrentOwner
        $startedAt = Now
        # One fault, or two that overlap: each starts at its offset and heals when its hold is over. A first fault that
        # holds nothing (a switchover runs in its own process) is waited for only after the second has started.
        $parts = @([pscustomobject]@{ Kind = $fault.Kind; Target = (Resolve-Target $fault.Kind $fault.Role $owner); Start = 0.0; Stop = [double] $fault.Hold; Handle = $null })
        if ($fault.Second) {
            $parts[0].Stop = [math]::Max([double] $fault.Hold, [double] $fault.Offset)
            $parts += [pscustomobject]@{ Kind = $fault.Second.Kind; Target = (Resolve-Target $fault.Second.Kind $fault.Second.Role $owner)
                Start = [double] $fault.Offset; Stop = [double] $fault.Offset + $fault.Second.Hold; Handle = $null }
        }
        $steps = @(foreach ($p in $parts) { [pscustomobject]@{ At = $p.Start; Order = 0; Part = $p }; [pscustomobject]@{ At = $p.Stop; Order = 1; Part = $p } }) |
            Sort-Object At, Order
        $notes = [System.Collections.Generic.List[string]]::new()
        foreach ($step in $steps) {
            $wait = $startedAt + [long] ($step.At * 1000) - (Now)
            if ($wait -gt 0) { Start-Sleep -Milliseconds $wait }
            if ($step.Order -eq 0) { $step.Part.Handle = Start-Fault $step.Part.Kind $step.Part.Target }
            else { $said = Stop-Fault $step.Part.Kind $step.Part.Target $step.Part.Handle; if ($said) { $notes.Add($said) } }
        }
        $target = ($parts | ForEach-Object Target) -join '+'
        $note = $notes -join '; '
        Repair-Lab
        $healedAt = Now
        # Converged: exactly one owner with the record and mark on it, stable for StableSeconds after healing.
        $deadline = $healedAt + $bounds.ConvergeSeconds * 1000
        while ((Now) -lt $deadline) {
            Start-Sleep -Milliseconds 500
            Update-Samples
            $since = @(Get-Samples $healedAt (Now) | ForEach-Object { Get-ChaosSampleView $_ @() })
            $stable = @($since | Select-Object -Last ([math]::Ceiling($bounds.StableSeconds / 0.5) + 1))
            $good = @($stable | Where-Object { $_.Owners.Count -eq 1 -and $_.AnyInService.Count -eq 1 -and $_.Record -eq $addresses[$_.Owners[0]] -and $_.Mark -eq $_.Owners[0] })
            if ($stable.Count -ge 2 -and $good.Count -eq $stable.Count -and ($good.Owners | Select-Object -Unique).Count -eq 1 -and ($stable[-1].T - $stable[0].T) / 1000 -ge $bounds.StableSeconds) { break }
        }
        Start-Sleep -Milliseconds 600
        Update-Samples
        $endedAt = Now
        $events = @{}
        foreach ($n in 'node1', 'node2', 'witness') { $events[$n] = Get-Events $n }
        $verdict = Test-ChaosRound -Samples (Get-Samples $startedAt $endedAt) -Inactive $inactive.ToArray() -Addresses $addresses -StartedAt $startedAt -HealedAt $healedAt -Events $events
        $violations = [System.Collections.Generic.List[object]]::new()
        foreach ($v in $verdict.Violations) { $violations.Add($v) }
        foreach ($n in 'node1', 'node2', 'witness') {
            # No agent exits unless the suite stopped it; no history shrinks; no agent reports an unhandled exception.
            if ($lab.Agents[$n].Process.HasExited) {
                $violations.Add([pscustomobject]@{ Kind = 'agent-crashed'; At = $endedAt; Detail = "the agent on $n exited (code $($lab.Agents[$n].Process.ExitCode)) without being stopped" })
                Start-Agent $n
            }
            $lines = @($events[$n]).Count
            if ($historyLength[$n] -and $lines -lt $historyLength[$n]) {
                $violations.Add([pscustomobject]@{ Kind = 'event-lost'; At = $endedAt; Detail = "$n's history shrank from $($historyLength[$n]) to $lines events" })
            }
            $historyLength[$n] = $lines
            $log = @(Get-Content $lab.Agents[$n].Log)
            $new = $log | Select-Object -Skip ([int] $logLength[$n])
            $logLength[$n] = $log.Count
            if ($new -match 'Unhandled exception') {
                $violations.Add([pscustomobject]@{ Kind = 'agent-error'; At = $endedAt; Detail = "$n's agent logged: $(($new -match 'Unhandled exception' | Select-Object -First 3) -join ' / ')" })
            }
        }
        $converged = $verdict.ConvergedSeconds
        $results.Add([pscustomobject]@{
            Round = $fault.Round; Kind = ($parts | ForEach-Object Kind) -join '+'; Target = $target; Description = $fault.Description; Note = $note
            StartedAt = $startedAt; HealedAt = $healedAt; EndedAt = $endedAt; ConvergedSeconds = $converged
            # With the samples kept in chaos-logs, enough to judge the round again offline (Test-ChaosRound).
            Inactive = @($inactive | Where-Object { $_.To -ge $startedAt -and $_.From -le $endedAt })
            Violations = @($violations | ForEach-Object { [pscustomobject]@{ Kind = $_.Kind; At = (Format-Ms $_.At); Detail = $_.Detail } })
            Events = if ($violations.Count) {
                @(foreach ($n in 'node1', 'node2', 'witness') {
                        $events[$n] | Where-Object { $t = ([DateTimeOffset] $_.time).ToUnixTimeMilliseconds(); $t -ge $startedAt - 2000 -and $t -le $endedAt } |
                            ForEach-Object { '{0} {1,-7} {2} {3}{4}: {5}' -f ([DateTimeOffset] $_.time).ToString('HH:mm:ss.fff'), $n, $_.action, $_.outcome, $(if ($_.tag) { " [$($_.tag)]" }), $_.message }
                    }) | Sort-Object
            } else { @() }
        })
        $summary = if ($null -ne $converged) { "converged after $([math]::Round($converged, 1)) s" } else { 'did not converge' }
        Say ("round {0}/{1}: {2} [{3}] -> {4}{5}{6}" -f $fault.Round, $Rounds, (($parts | ForEach-Object Kind) -join '+'), $target, $summary,
            $(if ($violations.Count) { "; VIOLATIONS: " + (($violations | ForEach-Object { "$($_.Kind): $($_.Detail)" }) -join '; ') } else { '' }),
            $(if ($note) { "; $note" } else { '' }))
    }
}
catch {
    $harnessError = "$_ $($_.ScriptStackTrace)"
    Write-Host "chaos: the harness failed: $harnessError"
}
finally {
    if ($sampler) {
        New-Item -ItemType File -Force $stopFile | Out-Null
        if (-not $sampler.Process.WaitForExit(5000)) { $sampler.Process.Kill($true) }
    }
    if ($lab) {
        $logs = Join-Path (Split-Path $ModulePath) 'chaos-logs'
        New-Item -ItemType Directory -Force $logs | Out-Null
        foreach ($n in 'node1', 'node2', 'witness') {
            if ($lab.Agents[$n]) { Copy-Item $lab.Agents[$n].Log (Join-Path $logs "seed$Seed-$n.log") -ErrorAction Ignore }
            Copy-Item (Join-Path $root "$n/state/events.jsonl") (Join-Path $logs "seed$Seed-$n.events.jsonl") -ErrorAction Ignore
        }
        Copy-Item $samplesFile (Join-Path $logs "seed$Seed-samples.jsonl") -ErrorAction Ignore
        Remove-ClusterLab $lab
    }
    Remove-Item -Recurse -Force $root -ErrorAction Ignore
}

# ---- the report ---------------------------------------------------------------------------------------------
$violating = @($results | Where-Object { $_.Violations.Count })
$count = [int] ($results | ForEach-Object { $_.Violations.Count } | Measure-Object -Sum).Sum
$times = @($results | Where-Object { $null -ne $_.ConvergedSeconds } | ForEach-Object { [double] $_.ConvergedSeconds })
$median = Get-ChaosPercentile $times 0.5; $p90 = Get-ChaosPercentile $times 0.9; $max = Get-ChaosPercentile $times 1.0
Write-Host ''
Write-Host "Seed $Seed, $($results.Count) of $Rounds rounds run."
Write-Host 'Faults drawn:'
$results | Group-Object Kind | Sort-Object Count -Descending | ForEach-Object { Write-Host ("  {0,-13} {1,4}" -f $_.Name, $_.Count) }
$b = Get-ChaosBounds
Write-Host "Bounds: two owners or a wrong record for more than $($b.OverlapSeconds) s; converged (one owner, record and mark on it, stable $($b.StableSeconds) s) within $($b.ConvergeSeconds) s of healing."
if ($times) { Write-Host ("Time to converge from the fault (s): median {0:0.0}, p90 {1:0.0}, max {2:0.0} over {3} rounds" -f $median, $p90, $max, $times.Count) }
Write-Host "Violations: $count in $($violating.Count) round(s)"
foreach ($r in $violating) {
    Write-Host ''
    Write-Host "== seed $Seed, round $($r.Round): $($r.Description) (target $($r.Target)) $($r.Note)"
    foreach ($v in $r.Violations) { Write-Host "   $($v.Kind) at $($v.At): $($v.Detail)" }
    Write-Host '   every node''s events in the round:'
    $r.Events | ForEach-Object { Write-Host "     $_" }
}
$faultCounts = @{}
foreach ($g in $results | Group-Object Kind) { $faultCounts[$g.Name] = $g.Count }
Save-Result ([ordered]@{
        seed = $Seed; rounds = $results.Count; requested = $Rounds; violations = $count; violatingRounds = $violating.Count; harnessError = $harnessError
        bounds = $b; converge = @{ median = $median; p90 = $p90; max = $max; rounds = $times.Count }
        faults = $faultCounts
        results = $results
    })
if ($harnessError) { Write-Host "The harness failed after $($results.Count) rounds (not a violation of the cluster): $harnessError" }
Write-Host "chaos: $($results.Count) rounds, $count violations"
if ($harnessError) { exit 1 }
