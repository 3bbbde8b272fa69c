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
    [Parameter(Mandatory)] [string] $ServerPath
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
    Invoke-InLab $lab witness "Join-HaCluster -NodeName witness -Path $($lab.Addresses.witness):7353 -KeyFile '$root/demo.key' -Peer $($lab.Addresses.node1):7353 -Witness | Out-Null" | Out-Null
    Remove-Item "$root/demo.key"
    Start-LabAgent $lab node2
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
    Say 'Switchover (from the witness): Invoke-Switchover web -ToNode node2'
    $at = [DateTime]::UtcNow
    $result = Invoke-InLab $lab witness "`$r = Invoke-Switchover web -ToNode node2 -Force; `$r.Message; `$r.Steps | ForEach-Object { '  {0}: {1} in {2:0.0} s' -f `$_.Action, `$_.Outcome, `$_.Duration.TotalSeconds }"
    $result | ForEach-Object { Say "  $_" }
    $moves.Add([pscustomobject]@{ Move = 'switchover node1 -> node2'; At = $at; From = 'node1'; To = 'node2' })
    Wait-Answer node2 60

    Say 'Failure: node2''s agent is killed (SIGKILL) and its service dies with it'
    $at = [DateTime]::UtcNow
    Stop-LabAgent $lab node2 -Signal KILL
    Invoke-Native "ip netns exec $($lab.Namespaces.node2) bash $service stop $root" | Out-Null
    $moves.Add([pscustomobject]@{ Move = 'failover node2 -> node1 (node2 killed)'; At = $at; From = 'node2'; To = 'node1' })
    Wait-Answer node1 90
    Start-Sleep -Seconds 2
    New-Item $stopFile -ItemType File | Out-Null
    $null = $client.Process.WaitForExit(10000)

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
    Say 'Outage of each move, as the client saw it:'
    $rows = foreach ($m in $moves) {
        $after = $all | Where-Object { [DateTime]$_.time -ge $m.At }
        $firstNew = $after | Where-Object answer -EQ $m.To | Select-Object -First 1
        $lastOld = $all | Where-Object { $_.answer -eq $m.From -and [DateTime]$_.time -le [DateTime]$firstNew.time } | Select-Object -Last 1
        $failed = @($after | Where-Object { -not $_.answer -and [DateTime]$_.time -lt [DateTime]$firstNew.time }).Count
        [pscustomobject]@{
            Move                  = $m.Move
            'Last old answer (s)' = [Math]::Round(([DateTime]$lastOld.time - $m.At).TotalSeconds, 1)
            'First new answer (s)' = [Math]::Round(([DateTime]$firstNew.time - $m.At).TotalSeconds, 1)
            'Outage (s)'          = [Math]::Round(([DateTime]$firstNew.time - [DateTime]$lastOld.time).TotalSeconds, 1)
            'Failed requests'     = $failed
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 120 | Write-Host
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
