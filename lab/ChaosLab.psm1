# The chaos suite's parts (Jepsen/CTS style): the fault schedule drawn from a seed, the faults themselves in the
# namespace lab, and the verdicts on what the sampler saw. The verdict functions are pure (samples and fault
# intervals in, violations out) so that they can be tested without root.

$script:Nodes = 'node1', 'node2'
$script:InService = 'ISP', 'ISU'

# The invariants' bounds (seconds). Stated in the report; see Get-ChaosBounds.
$script:Bounds = [ordered]@{
    # Both sides of a partition act on the same dead time (LCMHBEATTIME x LCMNUMHBEATS = 3 s in the lab): the side
    # that loses quorum takes the hierarchy out while the other brings it in. Their timers may disagree by up to one
    # dead time; two nodes in service (or a record naming a node that is not the owner) for longer is a violation.
    OverlapSeconds = 3
    RecordSeconds  = 3
    # After the fault is healed, exactly one owner with the record and its mark on it, stable for StableSeconds,
    # within ConvergeSeconds: dead time + takeover with INSYNC + one check interval fit many times over.
    ConvergeSeconds = 60
    StableSeconds   = 4
    # An event in the owner's history for each change of the hierarchy's state, within this of the samples around it.
    EventSlackSeconds = 2
}

function Get-ChaosBounds { $script:Bounds }

# ---- the schedule --------------------------------------------------------------------------------------------

$script:FaultKinds = @(
    @{ Kind = 'kill'; Weight = 3; Hold = 10; Describe = 'SIGKILL the agent of the {0}, restart it after {1} s' }
    @{ Kind = 'pause'; Weight = 3; Hold = 6; Describe = 'SIGSTOP the agent of the {0} for {1} s (2x the dead time), then SIGCONT' }
    @{ Kind = 'cut-link'; Weight = 2; Hold = 12; Describe = 'cut the link of the {0} for {1} s' }
    @{ Kind = 'cut-one-way'; Weight = 2; Hold = 12; Describe = 'drop the {0}''s packets to the other node (one direction) for {1} s' }
    @{ Kind = 'cut-witness'; Weight = 1; Hold = 12; Describe = 'cut the witness''s link for {1} s' }
    @{ Kind = 'restart'; Weight = 2; Hold = 0; Describe = 'restart the agent of the {0} (SIGTERM, start)' }
    @{ Kind = 'switchover'; Weight = 2; Hold = 0; Describe = 'switch the hierarchy over to the other node' }
    @{ Kind = 'r53-throttle'; Weight = 1; Hold = 15; Describe = 'throttle Route 53 (1 request/s after a storm of 50) for {1} s' }
    @{ Kind = 'r53-outage'; Weight = 1; Hold = 15; Describe = 'stop Route 53 answering for {1} s' }
    @{ Kind = 'heal'; Weight = 1; Hold = 5; Describe = 'no fault: everything healed, {1} s quiet' }
)

function Get-ChaosSchedule {
    <#
    The faults of -Rounds rounds drawn from -Seed: the same seed gives the same schedule, on any machine. With
    -Overlap each round draws a second fault that starts while the first still holds (Second, Offset seconds after
    the first began): two different kinds, at most one of them on Route 53, and two faults on agents (kill, pause,
    restart) on different nodes. Without -Overlap the schedule of a seed is what it always was.
    #>
    param([int] $Rounds, [int] $Seed, [switch] $Overlap)
    $random = [System.Random]::new($Seed)
    $total = ($script:FaultKinds | Measure-Object -Property Weight -Sum).Sum
    function Draw {
        $pick = $random.Next($total)
        $fault = $script:FaultKinds | Where-Object { ($pick -= $_.Weight) -lt 0 } | Select-Object -First 1
        # The owner more often than the standby: that is where the service is at stake.
        $role = if ($random.NextDouble() -lt 0.7) { 'owner' } else { 'standby' }
        [pscustomobject]@{ Kind = $fault.Kind; Role = $role; Hold = $fault.Hold; Description = $fault.Describe -f $role, $fault.Hold }
    }
    $agentFaults = 'kill', 'pause', 'restart'
    foreach ($round in 1..$Rounds) {
        $first = Draw
        $second = $null; $offset = 0
        if ($Overlap) {
            do { $second = Draw }
            while ($second.Kind -eq 'heal' -or $second.Kind -eq $first.Kind -or ($second.Kind -like 'r53-*' -and $first.Kind -like 'r53-*'))
            if ($second.Kind -in $agentFaults -and $first.Kind -in $agentFaults -and $second.Role -eq $first.Role) {
                $role = if ($first.Role -eq 'owner') { 'standby' } else { 'owner' }
                $second = [pscustomobject]@{ Kind = $second.Kind; Role = $role; Hold = $second.Hold; Description = ($script:FaultKinds | Where-Object Kind -EQ $second.Kind).Describe -f $role, $second.Hold }
            }
            # While the first still holds; a first fault that holds nothing (a switchover, a restart) runs for a few seconds.
            $offset = [math]::Round($random.NextDouble() * [math]::Max(2, $first.Hold / 2), 1)
        }
        [pscustomobject]@{
            Round = $round; Kind = $first.Kind; Role = $first.Role; Hold = $first.Hold; Second = $second; Offset = $offset
            Description = $first.Description + $(if ($second) { "; $offset s later, also: $($second.Description)" } else { '' })
        }
    }
}

# ---- the verdicts --------------------------------------------------------------------------------------------

function Test-ChaosActive {
    <# Whether a node's agent was running (not killed, not stopped) at time t (Unix ms). #>
    param([object[]] $Inactive, [string] $Node, [long] $T)
    -not ($Inactive | Where-Object { $_.Node -eq $Node -and $T -ge $_.From -and $T -le $_.To })
}

function Get-ChaosSampleView {
    <#
    What one bracketed sample proves. Owners: nodes whose agent was running and whose state said in service in both
    reads around the DNS answer. TwoOwners: both nodes in service at one instant (one node read between two reads of
    the other that both say in service), both agents running.
    #>
    param($Sample, [object[]] $Inactive)
    $in = @{}
    foreach ($n in $script:Nodes) {
        $key = $n -replace 'node', 'n'
        $in[$n] = @{ Before = $Sample.$key -in $script:InService; After = $Sample."$($key)b" -in $script:InService }
    }
    $active = @{}
    foreach ($n in $script:Nodes) { $active[$n] = Test-ChaosActive $Inactive $n $Sample.t }
    $owners = @($script:Nodes | Where-Object { $active[$_] -and $in[$_].Before -and $in[$_].After })
    $any = @($script:Nodes | Where-Object { $active[$_] -and ($in[$_].Before -or $in[$_].After) })
    $two = $active.node1 -and $active.node2 -and (
        ($in.node1.Before -and $in.node1.After -and $in.node2.Before) -or ($in.node2.Before -and $in.node2.After -and $in.node1.After))
    [pscustomobject]@{ T = [long] $Sample.t; Owners = $owners; AnyInService = $any; TwoOwners = [bool] $two; Record = $Sample.a; Mark = $Sample.m }
}

function Get-ChaosStreaks {
    <# Runs of consecutive samples for which the predicate holds: @{ From; To } in Unix ms. #>
    param([object[]] $Views, [scriptblock] $Predicate)
    $from = $null; $last = $null
    foreach ($v in $Views) {
        if (& $Predicate $v) {
            if ($null -eq $from) { $from = $v.T }
            $last = $v.T
        }
        elseif ($null -ne $from) {
            [pscustomobject]@{ From = $from; To = $last }
            $from = $null
        }
    }
    if ($null -ne $from) { [pscustomobject]@{ From = $from; To = $last } }
}

function Test-ChaosRound {
    <#
    The verdict on one round: violations of the invariants in the samples, and when the cluster converged.
    -Samples: the sampler's lines for the round; -Inactive: @{ Node; From; To } when an agent was killed or stopped;
    -Addresses: node -> its address; -HealedAt: when the fault ended (Unix ms); -Events: node -> its events.
    #>
    param(
        [object[]] $Samples, [object[]] $Inactive, [hashtable] $Addresses, [long] $StartedAt, [long] $HealedAt, [hashtable] $Events
    )
    $bounds = $script:Bounds
    $views = @($Samples | ForEach-Object { Get-ChaosSampleView $_ $Inactive })
    $violations = [System.Collections.Generic.List[object]]::new()
    function Seconds($streak) { ($streak.To - $streak.From) / 1000.0 }

    foreach ($s in Get-ChaosStreaks $views { param($v) $v.TwoOwners }) {
        if ((Seconds $s) -gt $bounds.OverlapSeconds) {
            $violations.Add([pscustomobject]@{ Kind = 'two-owners'; At = $s.From; Detail = "node1 and node2 both had the hierarchy in service for $(Seconds $s) s (bound $($bounds.OverlapSeconds) s)" })
        }
    }
    $wrongRecord = {
        param($v)
        $v.Owners.Count -eq 1 -and $v.AnyInService.Count -eq 1 -and ($v.Record -ne $Addresses[$v.Owners[0]] -or $v.Mark -ne $v.Owners[0])
    }
    foreach ($s in Get-ChaosStreaks $views $wrongRecord) {
        if ((Seconds $s) -gt $bounds.RecordSeconds) {
            $v = $views | Where-Object T -EQ $s.To | Select-Object -First 1
            $violations.Add([pscustomobject]@{ Kind = 'wrong-record'; At = $s.From
                Detail = "$($v.Owners[0]) had the hierarchy in service but the record said '$($v.Record)' and the mark '$($v.Mark)' for $(Seconds $s) s (bound $($bounds.RecordSeconds) s)" })
        }
    }

    # Converged: exactly one owner, nobody else in service, the record and the mark on it, every agent running.
    $good = { param($v) $v.Owners.Count -eq 1 -and $v.AnyInService.Count -eq 1 -and $v.Record -eq $Addresses[$v.Owners[0]] -and $v.Mark -eq $v.Owners[0] }
    $final = Get-ChaosStreaks $views $good | Select-Object -Last 1
    $lastT = ($views | Select-Object -Last 1).T
    $converged = $null
    if ($final -and $final.To -eq $lastT -and ($final.To - [math]::Max($final.From, $HealedAt)) / 1000.0 -ge $bounds.StableSeconds) {
        $converged = [math]::Max(0.0, ($final.From - $StartedAt) / 1000.0)
    }
    else {
        $last = $views | Select-Object -Last 1
        $owners = if ($last) { ($last.Owners -join ', ') } else { '' }
        $violations.Add([pscustomobject]@{ Kind = 'no-convergence'; At = $HealedAt
            Detail = "no single owner with the record and its mark on it, stable for $($bounds.StableSeconds) s, within $($bounds.ConvergeSeconds) s after healing (at the end: owners '$owners', record '$($last.Record)', mark '$($last.Mark)')" })
    }

    # Every change of the hierarchy's state on a node is in that node's history.
    $slack = $bounds.EventSlackSeconds * 1000
    foreach ($n in $script:Nodes) {
        $key = $n -replace 'node', 'n'
        $previous = $null; $previousT = $null
        foreach ($sample in $Samples) {
            foreach ($read in @($sample.$key, $sample."$($key)b")) {
                $inService = $read -in $script:InService
                if ($read -eq 'unreadable') { continue }
                if ($null -ne $previous -and $inService -ne $previous) {
                    $near = @($Events[$n] | Where-Object {
                            $_.tag -eq 'web' -and ([DateTimeOffset] $_.time).ToUnixTimeMilliseconds() -ge ($previousT - $slack) -and
                            ([DateTimeOffset] $_.time).ToUnixTimeMilliseconds() -le ($sample.t + $slack) })
                    if (-not $near) {
                        $violations.Add([pscustomobject]@{ Kind = 'event-lost'; At = $sample.t
                            Detail = "the hierarchy went $(if ($inService) { 'in' } else { 'out of' }) service on $n with no event about it in $n's history" })
                    }
                }
                $previous = $inService; $previousT = $sample.t
            }
        }
    }
    [pscustomobject]@{ Violations = $violations.ToArray(); ConvergedSeconds = $converged }
}

function Get-ChaosPercentile {
    param([double[]] $Values, [double] $P)
    if (@($Values).Count -eq 0) { return $null }
    $sorted = @($Values | Sort-Object)
    $sorted[[math]::Min($sorted.Count - 1, [math]::Max(0, [math]::Ceiling($P * $sorted.Count) - 1))]
}

function Format-ChaosReport {
    <# Markdown tables from one or more chaos results (the JSON Chaos.ps1 -ResultPath writes): per seed, per fault, every violation. #>
    param([object[]] $Results, [int] $EventsShown = 6)
    $rounds = @(foreach ($r in $Results) { foreach ($x in $r.results) { $x | Add-Member -NotePropertyName Seed -NotePropertyValue $r.seed -PassThru -Force } })
    $times = @($rounds | Where-Object { $null -ne $_.ConvergedSeconds } | ForEach-Object { [double] $_.ConvergedSeconds })
    '| seed | rounds | violations | rounds with a violation |'
    '|---:|---:|---:|---:|'
    foreach ($r in $Results) { "| $($r.seed) | $($r.rounds) | $($r.violations) | $($r.violatingRounds) |" }
    "| all | $($rounds.Count) | $(($Results | Measure-Object violations -Sum).Sum) | $(($Results | Measure-Object violatingRounds -Sum).Sum) |"
    ''
    'Time to converge, from the fault to the start of the final stable stretch (one owner, record and mark on it):'
    ''
    '| fault | rounds | with a violation | converged | median (s) | p90 (s) | max (s) |'
    '|---|---:|---:|---:|---:|---:|---:|'
    foreach ($g in $rounds | Group-Object Kind | Sort-Object Count -Descending) {
        $t = @($g.Group | Where-Object { $null -ne $_.ConvergedSeconds } | ForEach-Object { [double] $_.ConvergedSeconds })
        $bad = @($g.Group | Where-Object { @($_.Violations).Count }).Count
        '| {0} | {1} | {2} | {3} | {4:0.0} | {5:0.0} | {6:0.0} |' -f $g.Name, $g.Count, $bad, $t.Count, (Get-ChaosPercentile $t 0.5), (Get-ChaosPercentile $t 0.9), (Get-ChaosPercentile $t 1)
    }
    '| **all** | {0} | {1} | {2} | {3:0.0} | {4:0.0} | {5:0.0} |' -f $rounds.Count, @($rounds | Where-Object { @($_.Violations).Count }).Count, $times.Count, (Get-ChaosPercentile $times 0.5), (Get-ChaosPercentile $times 0.9), (Get-ChaosPercentile $times 1)
    ''
    '| seed | round | fault | target | violation | at | what |'
    '|---:|---:|---|---|---|---|---|'
    foreach ($x in $rounds | Where-Object { @($_.Violations).Count }) {
        foreach ($v in $x.Violations) { "| $($x.Seed) | $($x.Round) | $($x.Kind) | $($x.Target) | $($v.Kind) | $($v.At) | $($v.Detail -replace '\|', '/') |" }
    }
    ''
    foreach ($g in $rounds | Where-Object { @($_.Violations).Count } | Group-Object { ($_.Violations.Kind | Sort-Object -Unique) -join '+' }) {
        $x = $g.Group[0]
        "First round with $($g.Name) (seed $($x.Seed), round $($x.Round): $($x.Description), target $($x.Target)); the cluster's decisions:"
        ''
        '```'
        $x.Events | Where-Object { $_ -match ' (heartbeat|quorum|failover|reconcile|restore|remove|switchover|security|agent) ' -and $_ -notmatch ' (restore|remove) \S+ \[web-(ip|dns)\]:' } | Select-Object -First 40
        '```'
        ''
    }
}

Export-ModuleMember -Function Get-ChaosBounds, Get-ChaosSchedule, Test-ChaosActive, Get-ChaosSampleView, Get-ChaosStreaks, Test-ChaosRound, Get-ChaosPercentile, Format-ChaosReport
