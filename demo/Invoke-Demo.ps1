<#
.SYNOPSIS
    Runs the seed's configuration for real in network namespaces and shows what an on-premises client saw.
.DESCRIPTION
    Builds a lab (a Route 53-compatible server with its DNS frontend, node1 and node2 in two "Availability Zones"
    with their own addresses, a witness, an on-premises client), creates the hierarchy with the module's cmdlets,
    brings it in service, switches it over, kills the owner's agent and service, and prints the client's timeline
    and the outage of each move. Cleans up after itself, also on Ctrl+C or failure. Needs root.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ServerPath,
    # Switchover + failover rounds; the benchmark runs several and writes the outage report to -ResultPath.
    [ValidateRange(1, 20)] [int] $Rounds = 1,
    [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
if ((& id -u) -ne '0') {
    Write-Host 'The demo builds network namespaces and needs root: run it as root (sudo -E dotnet pwsh ./build.ps1 -Task Demo).'
    exit 1
}
Import-Module (Join-Path $PSScriptRoot '../lab/ClusterLab.psm1') -Force
if (Test-ClusterLabSupport) { Write-Host "The demo cannot run here: $(Test-ClusterLabSupport)."; exit 1 }

function Say([string] $text) { Write-Host ("{0:HH:mm:ss.f}  {1}" -f [DateTime]::Now, $text) }

$root = Join-Path ([System.IO.Path]::GetTempPath()) "siosroute53-demo-$PID"
$secret = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(24))
$lab = $null
try {
    $lab = New-ClusterLab -Root $root -Prefix "sr53d$($PID % 1000)" -ModulePath (Join-Path $ModulePath 'SiosRoute53.psd1') -ServerPath $ServerPath -AccessKey 'AKIDSIOSROUTE53DEMO' -SecretKey $secret
    Say "Lab up: Route 53 at $($lab.Addresses.aws), node1 $($lab.Addresses.node1) (AZ a), node2 $($lab.Addresses.node2) (AZ b), witness $($lab.Addresses.witness), client $($lab.Addresses.client)"
    Set-Content (Join-Path $root 'tunables') @"
LCMHBEATTIME=1
LCMNUMHBEATS=3
LKCHECKINTERVAL=5
ROUTE53_TTL=5
ROUTE53_RECORD_INTERVAL=1
ROUTE53_CHANGEID_INTERVAL=5
ROUTE53_CHANGEID_TRY_COUNT=12
QUORUM_MODE=majority
WITNESS_MODE=remote_verify
SERVICE_COMMAND_TIMEOUT=30
"@
    Start-LabServer $lab -PropagationSeconds 2
    Say "Route 53-compatible server: zone corp.example. ($($lab.ZoneId)), changes INSYNC after 2 s, DNS on $($lab.DnsServer)"

    $pwsh = Join-Path $PSHOME 'pwsh.dll'
    $service = Join-Path $PSScriptRoot 'web-service.sh'
    Set-Content "$root/pwsh.path" $pwsh
    Set-Content "$root/$($lab.Addresses.node1).name" 'node1'
    Set-Content "$root/$($lab.Addresses.node2).name" 'node2'

    Say 'node1: New-HaCluster, Export-HaClusterKey, New-HaIpResource, New-HaRoute53Resource, New-HaServiceResource'
    Invoke-InLab $lab node1 @"
New-HaCluster demo -NodeName node1 -Path $($lab.Addresses.node1):7353 | Out-Null
Export-HaClusterKey '$root/demo.key' -WarningAction SilentlyContinue | Out-Null
New-HaIpResource web-ip $($lab.Addresses.node1) | Out-Null
New-HaRoute53Resource web-dns app.corp.example -ZoneName corp.example -IpResource web-ip -EndpointUrl $($lab.ServerEndpoint) | Out-Null
New-HaServiceResource web -StartCommand 'bash $service start $root' -StopCommand 'bash $service stop $root' -CheckCommand 'bash $service check $root' -DependsOn web-dns | Out-Null
"@ | Out-Null
    Start-LabAgent $lab node1
    Say 'node2 and the witness: Join-HaCluster with the exported key, Start-HaNode'
    Invoke-InLab $lab node2 "Join-HaCluster -NodeName node2 -Path $($lab.Addresses.node2):7353 -KeyFile '$root/demo.key' -Peer $($lab.Addresses.node1):7353 | Out-Null" | Out-Null
    Start-LabAgent $lab node2
    Invoke-InLab $lab witness "Join-HaCluster -NodeName witness -Path $($lab.Addresses.witness):7353 -KeyFile '$root/demo.key' -Peer $($lab.Addresses.node1):7353 -Witness | Out-Null" | Out-Null
    Remove-Item "$root/demo.key"
    Start-LabAgent $lab witness
    Say 'node1: Expand-HaResource web -Node node2 -Address (node2''s own ENI IP); Start-HaResource web'
    Invoke-InLab $lab node1 "Expand-HaResource web node2 -Priority 2 -Address $($lab.Addresses.node2) | Out-Null; `$r = Start-HaResource web; if (-not `$r.Succeeded) { throw `$r.Message }" | Out-Null
    Invoke-InLab $lab node1 'Get-HaResource | Format-Table Tag, Kind, State, Node, Detail | Out-String -Width 110' | ForEach-Object { Write-Host "    $_" }

    $timeline = Join-Path $root 'timeline.jsonl'
    $stopFile = Join-Path $root 'client.stop'
    $client = Start-LabProcess $lab client 'client' @('dotnet', $pwsh, '-NoProfile', '-File', (Join-Path $PSScriptRoot 'Client.ps1'), '-Name', 'app.corp.example',
        '-DnsServer', $lab.DnsServer, '-DnsClientPath', (Join-Path $ModulePath 'bin/DnsClient.dll'), '-Timeline', $timeline, '-StopFile', $stopFile)
    function Get-Timeline { if (Test-Path $timeline) { Get-Content $timeline | ForEach-Object { $_ | ConvertFrom-Json } } }
    function Wait-Answer([string] $node, [double] $seconds) {
        Wait-LabCondition -Seconds $seconds -Because "the client gets answers from $node" { (Get-Timeline | Select-Object -Last 5 | Where-Object answer -EQ $node).Count -eq 5 } | Out-Null
    }
    Say 'On-premises client: resolving app.corp.example through the DNS frontend and calling the service, 5 times a second'
    Wait-Answer node1 60

    $moves = [System.Collections.Generic.List[object]]::new()
    for ($round = 1; $round -le $Rounds; $round++) {
        if ($Rounds -gt 1) { Say "Round $round of $Rounds" }
        Say 'Switchover (from the witness): Invoke-Switchover web -ToNode node2'
        $at = [DateTime]::UtcNow
        $result = Invoke-InLab $lab witness "`$r = Invoke-Switchover web -ToNode node2 -Force; `$r.Message; `$r.Steps | ForEach-Object { '  {0}: {1} in {2:0.0} s' -f `$_.Action, `$_.Outcome, `$_.Duration.TotalSeconds }"
        $result | ForEach-Object { Say "  $_" }
        $moves.Add([pscustomobject]@{ Move = 'switchover node1 -> node2'; Kind = 'switchover'; At = $at; From = 'node1'; To = 'node2' })
        Wait-Answer node2 60

        Say 'Failure: node2''s agent is killed (SIGKILL) and its service dies with it'
        $at = [DateTime]::UtcNow
        Stop-LabAgent $lab node2 -Signal KILL
        Invoke-Native "ip netns exec $($lab.Namespaces.node2) bash $service stop $root" | Out-Null
        $moves.Add([pscustomobject]@{ Move = 'failover node2 -> node1 (node2 killed)'; Kind = 'failover'; At = $at; From = 'node2'; To = 'node1' })
        Wait-Answer node1 90
        if ($round -lt $Rounds) {
            Say 'node2 comes back: Start-HaNode; it rejoins as standby'
            Start-LabAgent $lab node2
            Wait-LabCondition -Seconds 30 -Because 'node2 stands by' { (Get-LabResourceState $lab node2 web) -ne 'ISP' -and (Get-LabEvents $lab node1 | Where-Object { $_.action -eq 'heartbeat' -and $_.outcome -eq 'restored' -and [DateTimeOffset]$_.time -ge $at }) } | Out-Null
            Start-Sleep -Seconds 4
        }
    }
    Start-Sleep -Seconds 2
    New-Item $stopFile -ItemType File | Out-Null
    $null = $client.Process.WaitForExit(10000)
    $at = $moves[-1].At

    $events = Get-LabEvents $lab node1 | Where-Object { $_.action -in 'heartbeat', 'quorum', 'failover' -and [DateTimeOffset]$_.time -ge $at }
    Say 'node1''s event history for the failover:'
    $events | ForEach-Object { Write-Host ("    {0:HH:mm:ss.fff}  {1,-9} {2,-8} {3}" -f ([DateTimeOffset]$_.time).LocalDateTime, $_.action, $_.outcome, $_.message) }

    $all = @(Get-Timeline)
    Write-Host ''
    Say "What the client saw ($($all.Count) requests; one line per change):"
    $previous = $null
    foreach ($e in $all) {
        $what = if ($e.answer) { "answer from $($e.answer) ($($e.address))" } else { "ERROR ($($e.address)): $($e.error)" }
        if ($what -ne $previous) { Write-Host ("    {0:HH:mm:ss.fff}  {1}" -f ([DateTime]$e.time).ToLocalTime(), $what); $previous = $what }
    }
    Write-Host ''
    Say 'Outage of each move, as the client saw it, and where the time went:'
    $rows = foreach ($m in $moves) {
        $after = $all | Where-Object { [DateTime]$_.time -ge $m.At }
        $firstNew = $after | Where-Object answer -EQ $m.To | Select-Object -First 1
        $lastOld = $all | Where-Object { $_.answer -eq $m.From -and [DateTime]$_.time -le [DateTime]$firstNew.time } | Select-Object -Last 1
        $firstResolved = $after | Where-Object address -EQ $lab.Addresses[$m.To] | Select-Object -First 1
        $failed = @($after | Where-Object { -not $_.answer -and [DateTime]$_.time -lt [DateTime]$firstNew.time }).Count
        $target = Get-LabEvents $lab $m.To | Where-Object { [DateTimeOffset]$_.time -ge $m.At -and $_.action -eq 'restore' -and $_.outcome -eq 'success' }
        $source = Get-LabEvents $lab $m.From | Where-Object { [DateTimeOffset]$_.time -ge $m.At -and $_.action -eq 'remove' -and $_.outcome -eq 'success' }
        $dnsEvent = $target | Where-Object tag -EQ 'web-dns' | Select-Object -First 1
        $insync = if ($dnsEvent.message -match 'INSYNC after ([\d.]+) s') { [double]$Matches[1] } else { 0 }
        $route53 = if ($dnsEvent) { ([TimeSpan]$dnsEvent.duration).TotalSeconds } else { 0 }
        $detection = if ($m.Kind -eq 'failover') {
            $lost = Get-LabEvents $lab $m.To | Where-Object { $_.action -eq 'heartbeat' -and $_.outcome -eq 'lost' -and [DateTimeOffset]$_.time -ge $m.At } | Select-Object -First 1
            ([DateTimeOffset]$lost.time - [DateTimeOffset]$m.At).TotalSeconds
        } else { 0 }
        [pscustomobject]@{
            Move             = $m.Move
            'Outage (s)'     = [Math]::Round(([DateTime]$firstNew.time - [DateTime]$lastOld.time).TotalSeconds, 1)
            'Failed'         = $failed
            'Detection (s)'  = [Math]::Round($detection, 1)
            'Removal (s)'    = [Math]::Round((($source | ForEach-Object { ([TimeSpan]$_.duration).TotalSeconds }) | Measure-Object -Sum).Sum, 1)
            'Record change (s)' = [Math]::Round($route53 - $insync, 1)
            'INSYNC wait (s)' = [Math]::Round($insync, 1)
            'DNS TTL (s)'    = if ($dnsEvent -and $firstResolved) { [Math]::Round([Math]::Max(0, ([DateTimeOffset][DateTime]$firstResolved.time - [DateTimeOffset]$dnsEvent.time).TotalSeconds), 1) } else { $null }
            'Restore (s)'    = [Math]::Round((($target | Where-Object tag -NE 'web-dns' | ForEach-Object { ([TimeSpan]$_.duration).TotalSeconds }) | Measure-Object -Sum).Sum, 1)
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 160 | Write-Host
    if ($ResultPath) {
        $columns = $rows[0].PSObject.Properties.Name
        $report = @(
            '# Client-visible outage of switchover and failover, in the demo lab'
            ''
            "Machine: $([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription). $Rounds round(s) of a switchover node1 → node2 and a failover back (node2's agent SIGKILLed and its service stopped)."
            'Settings: LCMHBEATTIME=1, LCMNUMHBEATS=3, ROUTE53_TTL=5, changes INSYNC after 2 s on the Route 53-compatible server, the client resolving through its DNS frontend'
            'and caching for the TTL, calling the service 5 times a second. Phases as each node recorded them; DNS TTL is from the record being INSYNC to the client'
            'resolving the new address; Restore is the ip and service restores; the phases overlap where the service starts while clients still cache the old address.'
            'Reproduce: `dotnet pwsh ./build.ps1 -Task Bench` (as root).'
            ''
            '| ' + ($columns -join ' | ') + ' |'
            '|' + (($columns | ForEach-Object { '---' }) -join '|') + '|'
        ) + ($rows | ForEach-Object { $r = $_; '| ' + (($columns | ForEach-Object { $r.$_ }) -join ' | ') + ' |' })
        foreach ($kind in 'switchover', 'failover') {
            $values = @($rows | Where-Object { $_.Move -like "$kind*" } | ForEach-Object { $_.'Outage (s)' } | Sort-Object)
            if ($values.Count) { $report += ''; $report += ('{0}: outage median {1:0.0} s, max {2:0.0} s over {3} round(s).' -f $kind, $values[[Math]::Floor(($values.Count - 1) / 2)], $values[-1], $values.Count) }
        }
        $report | Set-Content $ResultPath
    }
    Say 'The outage includes the client''s DNS cache (ROUTE53_TTL=5 s): it keeps the old address until the TTL runs out.'
}
finally {
    if ($lab) {
        Say 'Cleaning up the lab.'
        foreach ($n in 'node1', 'node2') { Invoke-Native "ip netns exec $($lab.Namespaces[$n]) bash '$PSScriptRoot/web-service.sh' stop $root" -IgnoreFailure | Out-Null }
        Remove-ClusterLab $lab
    }
    Remove-Item -Recurse -Force $root -ErrorAction Ignore
}
