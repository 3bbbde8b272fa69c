# The chaos suite's verdicts, on made-up samples: a violation is a fault of the cluster, never of how it was sampled.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../lab/ChaosLab.psm1') -Force
    $addresses = @{ node1 = '10.53.0.11'; node2 = '10.53.0.12' }
    function Sample([long] $t, [string] $n1, [string] $n2, [string] $a, [string] $m, [string] $n1b = $n1, [string] $n2b = $n2) {
        [pscustomobject]@{ t = $t; n1 = $n1; n2 = $n2; a = $a; m = $m; n1b = $n1b; n2b = $n2b }
    }
    function Steady([long] $from, [long] $to, [string] $owner) {
        for ($t = $from; $t -le $to; $t += 500) {
            if ($owner -eq 'node1') { Sample $t ISP OSU 10.53.0.11 node1 } else { Sample $t OSU ISP 10.53.0.12 node2 }
        }
    }
    function Restored([string] $node, [long] $t) { [pscustomobject]@{ tag = 'web'; action = 'restore'; outcome = 'success'; time = [DateTimeOffset]::FromUnixTimeMilliseconds($t).ToString('o') } }
}

Describe 'The chaos verdicts' {
    It 'draws the same faults from the same seed, and other faults from another' {
        $a = Get-ChaosSchedule -Rounds 30 -Seed 7 | ForEach-Object { "$($_.Kind)/$($_.Role)" }
        $b = Get-ChaosSchedule -Rounds 30 -Seed 7 | ForEach-Object { "$($_.Kind)/$($_.Role)" }
        $c = Get-ChaosSchedule -Rounds 30 -Seed 8 | ForEach-Object { "$($_.Kind)/$($_.Role)" }
        $a | Should -Be $b
        ($a -join ',') | Should -Not -Be ($c -join ',')
    }

    It 'with -Overlap draws a second fault per round that starts while the first holds, and leaves the single-fault schedule as it was' {
        $single = @(Get-ChaosSchedule -Rounds 40 -Seed 7)
        $single.Second | Where-Object { $_ } | Should -BeNullOrEmpty
        $overlap = @(Get-ChaosSchedule -Rounds 40 -Seed 7 -Overlap)
        $again = @(Get-ChaosSchedule -Rounds 40 -Seed 7 -Overlap)
        ($overlap | ForEach-Object { "$($_.Kind)/$($_.Role)+$($_.Second.Kind)/$($_.Second.Role)@$($_.Offset)" }) |
            Should -Be ($again | ForEach-Object { "$($_.Kind)/$($_.Role)+$($_.Second.Kind)/$($_.Second.Role)@$($_.Offset)" })
        foreach ($round in $overlap) {
            $round.Second | Should -Not -BeNullOrEmpty
            $round.Second.Kind | Should -Not -Be 'heal'
            $round.Second.Kind | Should -Not -Be $round.Kind
            ($round.Kind -like 'r53-*' -and $round.Second.Kind -like 'r53-*') | Should -BeFalse
            if ($round.Kind -in 'kill', 'pause', 'restart' -and $round.Second.Kind -in 'kill', 'pause', 'restart') { $round.Second.Role | Should -Not -Be $round.Role }
            $round.Offset | Should -BeGreaterOrEqual 0
            $round.Offset | Should -BeLessOrEqual ([math]::Max(2, $round.Hold / 2))
            $round.Description | Should -Match 'also: '
        }
        # The pairs the cluster must survive turn up: a cut owner with the witness cut, a pause during a switchover.
        $pairs = @(Get-ChaosSchedule -Rounds 400 -Seed 7 -Overlap | ForEach-Object { (@($_.Kind, $_.Second.Kind) | Sort-Object) -join '+' })
        $pairs | Should -Contain 'cut-link+cut-witness'
        $pairs | Should -Contain 'pause+switchover'
    }

    It 'with two agents down in overlapping faults, counts neither while it is down and both once they run again' {
        $samples = for ($t = 0; $t -le 20000; $t += 500) { Sample $t ISP ISP 10.53.0.12 node2 }
        $both = @([pscustomobject]@{ Node = 'node1'; From = 0; To = 10000 }, [pscustomobject]@{ Node = 'node2'; From = 5000; To = 20000 })
        $verdict = Test-ChaosRound -Samples $samples -Inactive $both -Addresses $addresses -StartedAt 0 -HealedAt 20000 -Events @{}
        $verdict.Violations.Kind | Should -Not -Contain 'two-owners'
        $woke = @([pscustomobject]@{ Node = 'node1'; From = 0; To = 10000 }, [pscustomobject]@{ Node = 'node2'; From = 5000; To = 12000 })
        $verdict = Test-ChaosRound -Samples $samples -Inactive $woke -Addresses $addresses -StartedAt 0 -HealedAt 12000 -Events @{}
        $verdict.Violations | Where-Object Kind -EQ 'two-owners' | ForEach-Object Detail | Should -Match '7.5 s'
    }

    It 'does not call a switchover two owners when the reads straddle the handover' {
        # node1 read in service, then node2 read in service after node1 went out: the bracketing read of node1 says OSU.
        $samples = @(Steady 0 2000 node1) + @(Sample 2500 ISP ISP 10.53.0.12 node2 -n1b OSU) + @(Steady 3000 10000 node2)
        $events = @{ node1 = @(Restored node1 2400); node2 = @(Restored node2 2500) }
        $verdict = Test-ChaosRound -Samples $samples -Inactive @() -Addresses $addresses -StartedAt 0 -HealedAt 2000 -Events $events
        $verdict.Violations | Should -BeNullOrEmpty
        $verdict.ConvergedSeconds | Should -Be 3
    }

    It 'finds two owners that overlap for longer than the bound, and not a shorter overlap' {
        $overlap = { param($from, $to) for ($t = $from; $t -le $to; $t += 500) { Sample $t ISP ISP 10.53.0.12 node2 } }
        $long = @(Steady 0 1000 node1) + @(& $overlap 1500 6000) + @(Steady 6500 12000 node2)
        $events = @{ node1 = @(Restored node1 6200); node2 = @(Restored node2 1500) }
        $verdict = Test-ChaosRound -Samples $long -Inactive @() -Addresses $addresses -StartedAt 0 -HealedAt 1000 -Events $events
        $verdict.Violations.Kind | Should -Be 'two-owners'
        $verdict.Violations.Detail | Should -Match '4.5 s'

        $short = @(Steady 0 1000 node1) + @(& $overlap 1500 3000) + @(Steady 3500 12000 node2)
        $events = @{ node1 = @(Restored node1 3200); node2 = @(Restored node2 1500) }
        (Test-ChaosRound -Samples $short -Inactive @() -Addresses $addresses -StartedAt 0 -HealedAt 1000 -Events $events).Violations | Should -BeNullOrEmpty
    }

    It 'does not count a node whose agent was stopped, and counts it once it runs again' {
        $samples = for ($t = 0; $t -le 20000; $t += 500) { Sample $t ISP ISP 10.53.0.12 node2 }
        $stopped = @([pscustomobject]@{ Node = 'node1'; From = 0; To = 20000 })
        $verdict = Test-ChaosRound -Samples $samples -Inactive $stopped -Addresses $addresses -StartedAt 0 -HealedAt 20000 -Events @{}
        $verdict.Violations.Kind | Should -Not -Contain 'two-owners'
        $woke = @([pscustomobject]@{ Node = 'node1'; From = 0; To = 6000 })
        $verdict = Test-ChaosRound -Samples $samples -Inactive $woke -Addresses $addresses -StartedAt 0 -HealedAt 6000 -Events @{}
        $verdict.Violations.Kind | Should -Contain 'two-owners'
        $verdict.Violations.Kind | Should -Contain 'no-convergence'
    }

    It 'finds a record that names another node than the owner, and no owner after healing' {
        $samples = for ($t = 0; $t -le 10000; $t += 500) { Sample $t ISP OSU 10.53.0.12 node2 }
        $verdict = Test-ChaosRound -Samples $samples -Inactive @() -Addresses $addresses -StartedAt 0 -HealedAt 0 -Events @{}
        $verdict.Violations.Kind | Should -Contain 'wrong-record'
        $none = for ($t = 0; $t -le 10000; $t += 500) { Sample $t OSU OSU 10.53.0.12 node2 }
        (Test-ChaosRound -Samples $none -Inactive @() -Addresses $addresses -StartedAt 0 -HealedAt 0 -Events @{}).Violations.Kind | Should -Be 'no-convergence'
    }

    It 'finds a change of state that is not in the node''s history' {
        $samples = @(Steady 0 2000 node1) + @(Sample 2500 OSU OSU 10.53.0.11 node1) + @(Steady 3000 10000 node2)
        $verdict = Test-ChaosRound -Samples $samples -Inactive @() -Addresses $addresses -StartedAt 0 -HealedAt 0 -Events @{ node2 = @(Restored node2 2900) }
        $verdict.Violations.Kind | Should -Be 'event-lost'
        $verdict.Violations.Detail | Should -Match 'out of service on node1'
    }
}
