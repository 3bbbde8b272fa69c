# The cluster in network namespaces: two nodes, a witness, the Route 53-compatible server and an on-premises client,
# each agent its own pwsh process in its own namespace. Needs root (CI runs as root).

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../lab/ClusterLab.psm1') -Force
    $skipReason = Test-ClusterLabSupport
    if ($skipReason) { Write-Warning "The cluster tests are skipped: $skipReason." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../lab/ClusterLab.psm1') -Force
    Set-TestAwsEnvironment
    $timings = [System.Collections.Generic.List[string]]::new()
    $root = Join-Path ([System.IO.Path]::GetTempPath()) "sr53-cluster-$PID"
    Remove-Item -Recurse -Force $root -ErrorAction Ignore
    if (Test-ClusterLabSupport) { return }
    $credential = Get-TestCredential
    $lab = New-ClusterLab -Root $root -ModulePath (Get-TestModulePath) -ServerPath $env:SIOSR53_TEST_SERVER -AccessKey $credential.AccessKey -SecretKey $credential.SecretKey
    $tunablesPath = Join-Path $root 'tunables'
    $fencing = "QUORUM_MODE=majority`nWITNESS_MODE=remote_verify`n"
    $baseTunables = "LCMHBEATTIME=1`nLCMNUMHBEATS=3`nLKCHECKINTERVAL=5`nROUTE53_RECORD_INTERVAL=1`nROUTE53_CHANGEID_INTERVAL=1`nROUTE53_CHANGEID_TRY_COUNT=30`nROUTE53_RECORDCHECK_INTERVAL=1`nROUTE53_RECORDCHECK_TRY_COUNT=2`nSERVICE_COMMAND_TIMEOUT=10`n"
    Set-Content $tunablesPath ($baseTunables + $fencing)
    Start-LabServer $lab -PropagationSeconds 1
    $flags = Join-Path $root 'flags'
    New-Item -ItemType Directory $flags | Out-Null

    # The service: a flag file per node; a node whose fail.<address> flag exists refuses to start it.
    Set-Content (Join-Path $flags 'start.sh') @"
addr=`$(ip -4 -o addr show eth0 | awk '{print `$4}' | cut -d/ -f1)
if [ -f '$flags/fail.'`$addr ]; then echo "the service refuses to start on `$addr" >&2; exit 1; fi
touch '$flags/web.'`$addr
"@
    Invoke-InLab $lab node1 @"
New-HaCluster lab -NodeName node1 -Path $($lab.Addresses.node1):7353 | Out-Null
Export-HaClusterKey '$root/lab.key' -WarningAction SilentlyContinue | Out-Null
New-HaIpResource web-ip $($lab.Addresses.node1) | Out-Null
New-HaRoute53Resource web-dns app.corp.example -HostedZoneId $($lab.ZoneId) -IpResource web-ip -EndpointUrl $($lab.ServerEndpoint) | Out-Null
New-HaServiceResource web -StartCommand 'bash $flags/start.sh' -StopCommand 'true' -CheckCommand 'true' -DependsOn web-dns | Out-Null
"@ | Out-Null
    Start-LabAgent $lab node1
    # Each member's agent runs before the next member joins: adding a member needs a majority of the members.
    Invoke-InLab $lab node2 "Join-HaCluster -NodeName node2 -Path $($lab.Addresses.node2):7353 -KeyFile '$root/lab.key' -Peer $($lab.Addresses.node1):7353 | Out-Null" | Out-Null
    Start-LabAgent $lab node2
    Invoke-InLab $lab witness "Join-HaCluster -NodeName witness -Path $($lab.Addresses.witness):7353 -KeyFile '$root/lab.key' -Peer $($lab.Addresses.node1):7353 -Witness | Out-Null" | Out-Null
    Remove-Item "$root/lab.key"
    Start-LabAgent $lab witness
    Invoke-InLab $lab node1 "Expand-HaResource web node2 -Priority 2 -Address $($lab.Addresses.node2) | Out-Null; if (-not (Start-HaResource web).Succeeded) { throw 'start failed' }" | Out-Null
    $null = Wait-LabCondition -Seconds 30 -Because 'node2 has the extended hierarchy' {
        ((Get-LabState $lab node2).resources | Where-Object tag -EQ 'web-ip').nodes.node2
    }

    function Get-Owner {
        # Which node has 'web' in service, by its own state file.
        foreach ($n in 'node1', 'node2') { if ((Get-LabResourceState $lab $n web) -eq 'ISP') { $n } }
    }
    function Get-RecordAddress { Resolve-LabName $lab }
}

AfterAll {
    if ($lab) {
        # Keep the agents' logs beside the test results, and show what each agent decided (not its API calls).
        $logs = Join-Path (Split-Path $env:SIOSR53_TEST_MODULE) 'test/cluster-logs'
        New-Item -ItemType Directory -Force $logs | Out-Null
        foreach ($name in 'node1', 'node2', 'witness') {
            if (-not $lab.Agents[$name]) { continue }
            Copy-Item $lab.Agents[$name].Log (Join-Path $logs "$name.log") -ErrorAction Ignore
            Write-Host "---- $name agent decisions"
            Get-Content $lab.Agents[$name].Log | Where-Object { $_ -match ' (agent|heartbeat|quorum|failover|reconcile|configuration|security|cluster) \S+: ' } | Write-Host
        }
        Remove-ClusterLab $lab
    }
    if ($timings.Count) {
        $out = Join-Path (Split-Path $env:SIOSR53_TEST_MODULE) 'test/cluster-timings.txt'
        New-Item -ItemType Directory -Force (Split-Path $out) | Out-Null
        $timings | Set-Content $out
        $timings | ForEach-Object { Write-Host "timing: $_" }
    }
    Remove-Item -Recurse -Force $root -ErrorAction Ignore
}

Describe 'A two-node cluster with a witness, in network namespaces' -Skip:([bool]$skipReason) {
    It 'starts with the hierarchy on node1, the record on node1 and every member agreeing' {
        Get-Owner | Should -Be 'node1'
        Get-RecordAddress | Should -Be $lab.Addresses.node1
        $status = Invoke-InLab $lab witness "Get-HaCluster | ForEach-Object { `"`$(`$_.Name)=`$(`$_.Reachable)/`$(`$_.ConfigRevision)`" }"
        $status.Count | Should -Be 3
        ($status | ForEach-Object { ($_ -split '/')[1] } | Select-Object -Unique).Count | Should -Be 1 -Because "all members share one configuration revision: $status"
    }

    It 'shows every node''s view of the resources' {
        $views = Invoke-InLab $lab witness "Get-HaResource -AllNodes | ForEach-Object { `"`$(`$_.Node)/`$(`$_.Tag)/`$(`$_.State)`" }"
        $views | Should -Contain 'node1/web/ISP'
        $views | Should -Contain 'node2/web/OSU'
        $views | Should -Contain 'node2/web-ip/OSU'
    }

    It 'shows the whole cluster at a glance from node2: quorum, every member, the hierarchy on both nodes, the record''s owner' {
        $status = Invoke-InLab $lab node2 'Get-HaStatus | ConvertTo-Json -Depth 6 -Compress' | ConvertFrom-Json
        $status.Quorum.HasQuorum | Should -BeTrue
        $status.Members.Reachable | Should -Be @($true, $true, $true)
        $web = ($status.Hierarchies | Where-Object Tag -EQ web).Nodes
        ($web | ForEach-Object { "$($_.Node)/$($_.State)/$($_.Priority)" }) | Should -Be @('node1/ISP/1', 'node2/OSU/2')
        $record = $status.Records | Where-Object Tag -EQ web-dns
        $record.Value | Should -Be $lab.Addresses.node1
        $record.PointsTo | Should -Be 'node1'
        $record.Owner | Should -Be 'node1 (cluster lab)'
    }

    It '1. switches over node1 -> node2 -> node1; the record follows, INSYNC each time, the client resolves it' {
        foreach ($to in 'node2', 'node1') {
            $result = Invoke-InLab $lab witness "`$r = Invoke-Switchover web -ToNode $to -Force; `"`$(`$r.Succeeded)|`$(`$r.Duration.TotalSeconds)|`$(`$r.Message)`""
            $ok, $seconds, $message = $result -split '\|', 3
            $ok | Should -Be 'True' -Because $message
            $timings.Add("switchover to $to`: $([double]$seconds) s (remove on the owner + restore with INSYNC on the target)")
            Get-Owner | Should -Be $to
            Get-RecordAddress | Should -Be $lab.Addresses[$to]
            (Get-LabEvents $lab $to | Where-Object { $_.tag -eq 'web-dns' -and $_.action -eq 'restore' } | Select-Object -Last 1).message | Should -Match 'INSYNC after'
        }
    }

    It '2. takes over when the owner''s agent is killed (SIGKILL), within detection + INSYNC time' {
        # Takeover decisions rest on what node2 last heard: kill only once node2 has heard that node1 runs web.
        $null = Wait-LabCondition -Seconds 15 -Because 'node2 has heard that node1 has web in service' {
            (Invoke-InLab $lab witness "(Get-HaCluster | Where-Object Name -EQ node2).PeersInService['node1'] -contains 'web'") -eq 'True'
        }
        $killed = [DateTime]::UtcNow
        Stop-LabAgent $lab node1 -Signal KILL
        $null = Wait-LabCondition -Seconds 60 -Because 'node2 takes web over' { (Get-LabResourceState $lab node2 web) -eq 'ISP' }
        $takeover = ([DateTime]::UtcNow - $killed).TotalSeconds
        Get-RecordAddress | Should -Be $lab.Addresses.node2
        # The takeover's event is appended just after the state that says ISP: wait for it rather than race it.
        $done = Wait-LabCondition -Seconds 10 -Because 'node2 records the takeover' {
            Get-LabEvents $lab node2 | Where-Object { $_.action -eq 'failover' -and $_.outcome -eq 'success' -and $_.tag -eq 'web' } | Select-Object -Last 1
        }
        $events = Get-LabEvents $lab node2
        $lost = $events | Where-Object { $_.action -eq 'heartbeat' -and $_.outcome -eq 'lost' -and $_.message -match "'node1'" } | Select-Object -Last 1
        $lost | Should -Not -BeNullOrEmpty
        $done | Should -Not -BeNullOrEmpty
        $detection = ([DateTimeOffset]$lost.time - [DateTimeOffset]$killed).TotalSeconds
        $timings.Add("SIGKILL of the owner's agent: detected after $([math]::Round($detection, 1)) s, web in service on node2 after $([math]::Round($takeover, 1)) s (failover restore $($done.duration))")
        $takeover | Should -BeLessThan 30
    }

    It '6. a node restarted after a failover rejoins with the current definitions and stays standby' {
        Invoke-InLab $lab node2 "New-HaServiceResource extra -StartCommand true -StopCommand true -CheckCommand true | Out-Null" | Out-Null
        (Get-LabResourceState $lab node1 web) | Should -Be 'ISP' -Because 'node1 was killed with web in service and its state still says so'
        $restarted = [DateTime]::UtcNow
        Start-LabAgent $lab node1
        $null = Wait-LabCondition -Seconds 30 -Because 'node1 adopts the definition made while it was down' {
            (Get-LabState $lab node1).resources | Where-Object tag -EQ 'extra'
        }
        $null = Wait-LabCondition -Seconds 30 -Because 'node1 stands down its stale in-service marks' { (Get-LabResourceState $lab node1 web) -ne 'ISP' }
        $timings.Add("former owner restarted after a takeover: out of service $([math]::Round(([DateTime]::UtcNow - $restarted).TotalSeconds, 1)) s after its agent was started (agent start-up included)")
        # Stable over several heartbeats and one check interval: no flapping back to node1.
        $deadline = [DateTime]::UtcNow.AddSeconds(8)
        while ([DateTime]::UtcNow -lt $deadline) {
            Get-Owner | Should -Be 'node2'
            Start-Sleep -Milliseconds 500
        }
        Get-RecordAddress | Should -Be $lab.Addresses.node2
        (Get-LabEvents $lab node1 | Where-Object action -EQ 'reconcile').outcome | Should -Contain 'standby'
        (Get-LabEvents $lab node1 | Where-Object { $_.action -eq 'reconcile' -and $_.outcome -eq 'standby' } | Select-Object -Last 1).rule | Should -Be 'standby-after-restart'
    }

    It '3. a cut link: the side without quorum goes out of service, the quorum side takes over, no flapping afterwards' {
        $cut = [DateTime]::UtcNow
        Set-ClusterLabLink $lab node2 down
        try {
            $null = Wait-LabCondition -Seconds 60 -Because 'node1 (with the witness: quorum) takes web over' { (Get-LabResourceState $lab node1 web) -eq 'ISP' }
            $takeover = ([DateTime]::UtcNow - $cut).TotalSeconds
            $null = Wait-LabCondition -Seconds 30 -Because 'node2 (alone: no quorum) takes web out of service' { (Get-LabResourceState $lab node2 web) -eq 'OSU' }
            $fenced = ([DateTime]::UtcNow - $cut).TotalSeconds
            (Get-LabEvents $lab node2 | Where-Object { $_.action -eq 'quorum' -and $_.outcome -eq 'lost' }) | Should -Not -BeNullOrEmpty
            $timings.Add("link of the owner cut: quorum side in service after $([math]::Round($takeover, 1)) s, isolated side out of service after at most $([math]::Round($fenced, 1)) s")
        }
        finally { Set-ClusterLabLink $lab node2 up }
        Get-RecordAddress | Should -Be $lab.Addresses.node1
        $null = Wait-LabCondition -Seconds 30 -Because 'node2 hears the cluster again' { (Get-LabEvents $lab node2 | Where-Object { $_.action -eq 'quorum' -and $_.outcome -eq 'gained' }) }
        $deadline = [DateTime]::UtcNow.AddSeconds(8)
        while ([DateTime]::UtcNow -lt $deadline) {
            Get-Owner | Should -Be 'node1'
            Start-Sleep -Milliseconds 500
        }
        Get-RecordAddress | Should -Be $lab.Addresses.node1
    }

    It '◆ rule 4: a paused owner that wakes after the other node took over stands down at once and never moves the record back' {
        Get-Owner | Should -Be 'node1'
        $null = Wait-LabCondition -Seconds 15 -Because 'node2 has heard that node1 has web in service' {
            (Invoke-InLab $lab witness "(Get-HaCluster | Where-Object Name -EQ node2).PeersInService['node1'] -contains 'web'") -eq 'True'
        }
        Set-LabAgentPaused $lab node1 $true
        try {
            $null = Wait-LabCondition -Seconds 60 -Because 'node2 takes web over from the frozen node1' { (Get-LabResourceState $lab node2 web) -eq 'ISP' }
            Get-RecordAddress | Should -Be $lab.Addresses.node2
            # Frozen for twice the dead time in all (LCMHBEATTIME 1 s × LCMNUMHBEATS 3).
            Start-Sleep -Seconds 2
        }
        finally { Set-LabAgentPaused $lab node1 $false }
        $woke = [DateTime]::UtcNow
        $null = Wait-LabCondition -Seconds 20 -Because 'node1 stands down once it hears the newer owner' { (Get-LabResourceState $lab node1 web) -ne 'ISP' }
        $timings.Add("paused owner woke after a takeover: out of service again after $([math]::Round(([DateTime]::UtcNow - $woke).TotalSeconds, 1)) s (LKCHECKINTERVAL 5 s)")
        $deadline = [DateTime]::UtcNow.AddSeconds(8)
        while ([DateTime]::UtcNow -lt $deadline) {
            Get-Owner | Should -Be 'node2'
            Get-RecordAddress | Should -Be $lab.Addresses.node2
            Start-Sleep -Milliseconds 500
        }
        (Get-LabEvents $lab node1 | Where-Object { $_.tag -eq 'web' -and $_.outcome -eq 'standby' }).rule | Should -Contain 'stand-down-stale-generation'
    }

    It '◆ rule 3: an owner killed right after it became owner is taken over' {
        $helpers = Join-Path $PSScriptRoot 'TestHelpers.psm1'
        # The switchover and the kill in one script: node1 dies before its next heartbeat could say it is the owner.
        $out = Invoke-InLab $lab witness @"
`$r = Invoke-Switchover web -ToNode node1 -Force
Stop-Process -Id $($lab.Agents.node1.Process.Id) -Force
"`$(`$r.Succeeded)|`$(`$r.Message)"
"@
        $killed = [DateTime]::UtcNow
        ($out | Select-Object -Last 1) | Should -BeLike 'True|*'
        $null = Wait-LabCondition -Seconds 60 -Because 'node2 takes web back from the dead new owner' { (Get-LabResourceState $lab node2 web) -eq 'ISP' }
        $timings.Add("owner killed right after a switchover: web in service on node2 again after $([math]::Round(([DateTime]::UtcNow - $killed).TotalSeconds, 1)) s")
        Get-RecordAddress | Should -Be $lab.Addresses.node2
        (Get-LabEvents $lab node2 | Where-Object { $_.tag -eq 'web' -and $_.action -eq 'failover' -and $_.outcome -eq 'started' } | Select-Object -Last 1).rule |
            Should -BeIn @('takeover-dead-owner', 'takeover-dead-restorer')
        Start-LabAgent $lab node1
        $null = Wait-LabCondition -Seconds 30 -Because 'node1 stands by after its restart' { (Get-LabResourceState $lab node1 web) -ne 'ISP' }
    }

    It '◆ rule 1: stopping the standby and the witness cleanly never takes the service down' {
        Get-Owner | Should -Be 'node2'
        # Maintenance starts from a healthy cluster: node2 hears the standby and the witness before they are stopped.
        $null = Wait-LabCondition -Seconds 30 -Because 'node2 hears both before the maintenance' {
            (Invoke-InLab $lab node2 "(Get-HaCluster | Where-Object Name -EQ node2).Sees.Values -notcontains `$false") -eq 'True'
        }
        Stop-LabAgent $lab witness
        Stop-LabAgent $lab node1
        try {
            $null = Wait-LabCondition -Seconds 20 -Because 'node2 heard both leave' {
                @(Get-LabEvents $lab node2 | Where-Object { $_.action -eq 'heartbeat' -and $_.outcome -eq 'left' }).Count -ge 2
            }
            # Three dead times and a check interval: a lost member would have fenced node2 long before.
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ([DateTime]::UtcNow -lt $deadline) {
                Get-Owner | Should -Be 'node2'
                Start-Sleep -Milliseconds 500
            }
            Get-RecordAddress | Should -Be $lab.Addresses.node2
            (Get-LabEvents $lab node2 | Where-Object { $_.action -eq 'quorum' -and $_.outcome -eq 'lost' -and [DateTimeOffset]$_.time -gt [DateTimeOffset]::UtcNow.AddSeconds(-15) }) | Should -BeNullOrEmpty
            # The members that left do not count toward the majority a configuration change needs either.
            Invoke-InLab $lab node2 "try { New-HaServiceResource maint -StartCommand true -StopCommand true -CheckCommand true -ErrorAction Stop | Out-Null; 'accepted' } catch { `$_.Exception.Message }" |
                Should -Be 'accepted'
        }
        finally {
            Start-LabAgent $lab witness
            Start-LabAgent $lab node1
        }
        $null = Wait-LabCondition -Seconds 30 -Because 'node2 hears both again' {
            (Invoke-InLab $lab node2 "(Get-HaCluster | Where-Object Name -EQ node2).Sees.Values -notcontains `$false") -eq 'True'
        }
        $null = Wait-LabCondition -Seconds 30 -Because 'node1 and the witness adopt the change made while they were stopped' {
            -not ('node1', 'witness' | Where-Object { -not ((Get-LabState $lab $_).resources | Where-Object tag -EQ 'maint') })
        }
        Invoke-InLab $lab node2 "Remove-HaResource maint -Confirm:`$false | Out-Null" | Out-Null
    }

    It '◆ rule 2: after a full partition heals, the hierarchy the owner fenced comes back on the best live node by priority, without an operator' {
        Get-Owner | Should -Be 'node2'
        foreach ($n in 'node1', 'node2', 'witness') { Set-ClusterLabLink $lab $n down }
        try {
            $null = Wait-LabCondition -Seconds 30 -Because 'node2 (alone) fences web' { (Get-LabResourceState $lab node2 web) -eq 'OSU' }
            (Get-LabResourceState $lab node1 web) | Should -Not -Be 'ISP' -Because 'node1 alone has no quorum either'
        }
        finally { foreach ($n in 'node1', 'node2', 'witness') { Set-ClusterLabLink $lab $n up } }
        $healed = [DateTime]::UtcNow
        # The first node to regain quorum restores it: node1 when it hears the others first, else node2 (node1 is
        # not live yet, so node2 is the best live node by priority).
        $owner = Wait-LabCondition -Seconds 60 -Because 'web comes back in service' { Get-Owner }
        $timings.Add("full partition healed: web back in service on $owner after $([math]::Round(([DateTime]::UtcNow - $healed).TotalSeconds, 1)) s")
        @($owner).Count | Should -Be 1
        (Get-LabEvents $lab $owner | Where-Object { $_.tag -eq 'web' -and $_.action -eq 'failover' -and $_.outcome -eq 'started' } | Select-Object -Last 1).rule | Should -Be 'restore-after-quorum'
        $null = Wait-LabCondition -Seconds 30 -Because 'the record follows the owner' { (Get-RecordAddress) -eq $lab.Addresses[$owner] }
        $deadline = [DateTime]::UtcNow.AddSeconds(6)
        while ([DateTime]::UtcNow -lt $deadline) {
            Get-Owner | Should -Be $owner
            Start-Sleep -Milliseconds 500
        }
        if ($owner -ne 'node1') {
            $back = Invoke-InLab $lab witness "(Invoke-Switchover web -ToNode node1 -Force).Succeeded"
            $back | Should -Be 'True'
        }
    }

    It '◆ rule 11: a configuration change on the isolated side is refused with the reason; after the heal no accepted change is lost' {
        Get-Owner | Should -Be 'node1'
        $define = { param($tag) "try { New-HaServiceResource $tag -StartCommand true -StopCommand true -CheckCommand true -ErrorAction Stop | Out-Null; 'accepted' } catch { `$_.Exception.Message }" }
        Set-ClusterLabLink $lab node2 down
        try {
            $refused = Invoke-InLab $lab node2 (& $define 'lost')
            $refused | Should -Match 'needs a majority of the 3 members \(2\)'
            $refused | Should -Match "'node1': not reachable"
            Invoke-InLab $lab node1 (& $define 'kept') | Should -Be 'accepted'
        }
        finally { Set-ClusterLabLink $lab node2 up }
        $null = Wait-LabCondition -Seconds 30 -Because 'node2 adopts the change the majority accepted' {
            (Get-LabState $lab node2).resources | Where-Object tag -EQ 'kept'
        }
        foreach ($n in 'node1', 'node2', 'witness') {
            (Get-LabState $lab $n).resources | Where-Object tag -EQ 'lost' | Should -BeNullOrEmpty -Because "$n never stored the refused change"
        }
        (Get-LabEvents $lab node2 | Where-Object { $_.action -eq 'configuration' -and $_.outcome -eq 'refused' } | Select-Object -Last 1).rule | Should -Be 'configuration-needs-quorum'
        Invoke-InLab $lab node1 "Remove-HaResource kept -Confirm:`$false | Out-Null" | Out-Null
        $null = Wait-LabCondition -Seconds 30 -Because 'every member has the removal' {
            -not ('node2', 'witness' | Where-Object { (Get-LabState $lab $_).resources | Where-Object tag -EQ 'kept' })
        }
        Get-Owner | Should -Be 'node1'
    }

    It '◆ stopping the owner''s agent cleanly hands its hierarchy to the next node at once, and the generation it wrote survives its restart' {
        Get-Owner | Should -Be 'node1'
        $null = Wait-LabCondition -Seconds 15 -Because 'node2 has heard that node1 has web in service' {
            (Invoke-InLab $lab witness "(Get-HaCluster | Where-Object Name -EQ node2).PeersInService['node1'] -contains 'web'") -eq 'True'
        }
        $kept = [long] (Get-LabState $lab node1).generations.web
        $kept | Should -BeGreaterThan 0 -Because 'node1 keeps the generation it wrote in its state'
        $stopped = [DateTime]::UtcNow
        Stop-LabAgent $lab node1
        try {
            $null = Wait-LabCondition -Seconds 30 -Because 'node2 takes web over from the stopped owner' { (Get-LabResourceState $lab node2 web) -eq 'ISP' }
            $timings.Add("owner's agent stopped cleanly: web in service on node2 after $([math]::Round(([DateTime]::UtcNow - $stopped).TotalSeconds, 1)) s")
            (Get-LabResourceState $lab node1 web) | Should -Not -Be 'ISP' -Because 'node1 took it out of service before it left'
            $null = Wait-LabCondition -Seconds 30 -Because 'the record follows the new owner' { (Get-RecordAddress) -eq $lab.Addresses.node2 }
            (Get-LabEvents $lab node2 | Where-Object { $_.tag -eq 'web' -and $_.action -eq 'failover' -and $_.outcome -eq 'started' } | Select-Object -Last 1).rule |
                Should -Be 'takeover-after-clean-stop'
            (Get-LabEvents $lab node1 | Where-Object { $_.tag -eq 'web' -and $_.action -eq 'agent' }).outcome | Should -Contain 'released'
        }
        finally { Start-LabAgent $lab node1 }
        # Restarted, node1 starts from the generation it kept, and stays standby beside the newer owner.
        $null = Wait-LabCondition -Seconds 30 -Because 'node2 hears node1 again' {
            (Invoke-InLab $lab node2 "(Get-HaCluster | Where-Object Name -EQ node2).Sees['node1']") -eq 'True'
        }
        [long] (Get-LabState $lab node1).generations.web | Should -Be $kept
        [long] (Get-LabState $lab node2).generations.web | Should -BeGreaterThan $kept
        Get-Owner | Should -Be 'node2'
        Invoke-InLab $lab witness "(Invoke-Switchover web -ToNode node1 -Force).Succeeded" | Should -Be 'True'
        Get-Owner | Should -Be 'node1'
    }

    It '5. a wrong key, a replayed message, a message for another member and a garbage frame are rejected and logged; the agent survives' {
        $keyFile = Join-Path $root 'node1/state/cluster.key'
        $script = @"
Import-Module '$(Join-Path $PSScriptRoot 'TestHelpers.psm1')'
`$keyType = Get-EngineType 'SiosRoute53.Cluster.ClusterKey'
`$protocol = Get-EngineType 'SiosRoute53.Cluster.Protocol'
`$good = `$keyType::Load('$keyFile').Item2
`$wrong = `$keyType::Generate()
`$create = `$protocol.GetMethod('Create').MakeGenericMethod([object])
function Send([byte[]] `$bytes) {
    `$c = [System.Net.Sockets.TcpClient]::new(); `$c.Connect('$($lab.Addresses.node1)', 7353)
    `$s = `$c.GetStream(); `$s.Write(`$bytes, 0, `$bytes.Length); `$s.Flush()
    `$buffer = [byte[]]::new(65536); try { `$n = `$s.Read(`$buffer, 0, `$buffer.Length) } catch { `$n = 0 }
    `$c.Dispose(); `$n
}
`$message = `$create.Invoke(`$null, @('status', 'intruder', 'lab', [object]@{}, [TimeProvider]::System))
'wrong=' + (Send (`$protocol::Encode(`$message, `$wrong)))
`$request = `$protocol.GetMethod('Request').MakeGenericMethod([object])
`$valid = `$protocol::Encode(`$request.Invoke(`$null, @('status', 'node2', 'lab', '$($lab.Addresses.node1):7353', [object]@{}, [TimeProvider]::System)), `$good)
'first=' + (Send `$valid)
'replay=' + (Send `$valid)
`$elsewhere = `$protocol::Encode(`$request.Invoke(`$null, @('status', 'node2', 'lab', '$($lab.Addresses.node2):7353', [object]@{}, [TimeProvider]::System)), `$good)
'elsewhere=' + (Send `$elsewhere)
'garbage=' + (Send ([byte[]](0x7f, 0xff, 0xff, 0xff) + [byte[]]::new(100)))
"@
        $out = Invoke-InLab $lab client $script
        $out | Should -Contain 'wrong=0'
        ($out | Where-Object { $_ -like 'first=*' }) | Should -Not -Be 'first=0' -Because 'a valid message is answered'
        $out | Should -Contain 'replay=0'
        $out | Should -Contain 'elsewhere=0' -Because 'a frame addressed to node2 is refused by node1'
        $out | Should -Contain 'garbage=0'
        $null = Wait-LabCondition -Seconds 10 -Because 'the rejections are in the history' { @(Get-LabEvents $lab node1 | Where-Object action -EQ 'security').Count -ge 4 }
        $rejected = (Get-LabEvents $lab node1 | Where-Object action -EQ 'security').message -join "`n"
        $rejected | Should -Match 'authentication code does not verify'
        $rejected | Should -Match 'replay'
        $rejected | Should -Match 'frame length'
        $rejected | Should -Match 'not to this endpoint'
        (Invoke-InLab $lab witness "(Get-HaCluster | Where-Object Name -EQ node1).Reachable") | Should -Be 'True'
    }

    It 'a switchover to a node that cannot start the hierarchy brings it back to the source' {
        Get-Owner | Should -Be 'node1'
        $fail = Join-Path $flags "fail.$($lab.Addresses.node2)"
        New-Item -ItemType File $fail | Out-Null
        try {
            $result = Invoke-InLab $lab witness "`$r = Invoke-Switchover web -ToNode node2 -Force -ErrorAction SilentlyContinue; `"`$(`$r.Succeeded)|`$(`$r.Message)`""
            $ok, $message = $result -split '\|', 2
            $ok | Should -Be 'False'
            $message | Should -Match "it is back on 'node1'"
        }
        finally { Remove-Item $fail }
        Get-Owner | Should -Be 'node1'
        Get-RecordAddress | Should -Be $lab.Addresses.node1
        (Get-LabEvents $lab node2 | Where-Object { $_.tag -eq 'web' -and $_.action -eq 'restore' } | Select-Object -Last 1).message | Should -Match 'refuses to start'
    }

    It '4. with fencing off, two nodes forced to take over at once: exactly one wins the record, every time' {
        foreach ($name in 'node1', 'node2', 'witness') { Stop-LabAgent $lab $name }
        Set-Content $tunablesPath ($baseTunables + "QUORUM_MODE=none`nWITNESS_MODE=none`n")
        $helpers = Join-Path $PSScriptRoot 'TestHelpers.psm1'
        $winners = foreach ($round in 1..5) {
            foreach ($n in 'node1', 'node2') {
                Invoke-InLab $lab $n "Stop-HaResource web-ip -Force | Out-Null" | Out-Null
                Get-LabResourceState $lab $n web-dns | Should -Not -Be 'ISP' -Because "round $round starts with web-dns out of service on $n"
            }
            # The record as a dead third node of the cluster left it.
            Invoke-InLab $lab client @"
Import-Module '$helpers'
Set-TestRecord ([pscustomobject]@{ Endpoint = '$($lab.ServerEndpoint)' }) '$($lab.ZoneId)' 'app.corp.example.' '10.53.0.99'
"@ | Out-Null
            # Both processes load the engine first, say so, then spin until the test lets them go at once: a start
            # that only begins after the other finished would legitimately move the record (an operator's start),
            # which is not this race. A barrier rather than a clock instant, so a slow start-up cannot make one late.
            $go = Join-Path $flags "go.$round"
            $race = "Get-HaResource web-dns | Out-Null; New-Item -ItemType File (Join-Path '$flags' (`"ready.$round.`" + [Environment]::ProcessId)) | Out-Null; `$until = [DateTime]::UtcNow.AddSeconds(120); while (-not [IO.File]::Exists('$go') -and [DateTime]::UtcNow -lt `$until) { }; `$late = -not [IO.File]::Exists('$go'); `$r = Start-HaResource web-dns -ErrorAction SilentlyContinue; `"`$(`$r.Succeeded)|`$(`$r.Message)|late=`$late`""
            $both = 'node1', 'node2' | ForEach-Object { Start-InLab $lab $_ $race }
            $null = Wait-LabCondition -Seconds 110 -Because "round $round`: both racers have loaded the engine" { @(Get-ChildItem $flags -Filter "ready.$round.*").Count -ge 2 }
            New-Item -ItemType File $go | Out-Null
            $results = $both | ForEach-Object { Wait-InLab $_ }
            $results.Output | Should -Not -Match 'late=True' -Because "round $round must start both at the same instant: $($results.Output -join ' / ')"
            $succeeded = @($results | Where-Object { $_.Output -like 'True|*' })
            $succeeded.Count | Should -Be 1 -Because "round $round`: $($results.Output -join ' / ')"
            ($results | Where-Object { $_.Output -like 'False|*' }).Output | Should -Match 'stands down|owned by'
            $winner = if ($results[0].Output -like 'True|*') { 'node1' } else { 'node2' }
            Get-RecordAddress | Should -Be $lab.Addresses[$winner]
            $winner
        }
        $timings.Add("race with fencing off: 5 rounds, one winner each time ($($winners -join ', '))")
    }
}
