<#
.SYNOPSIS
    ocf:siosroute53:route53 side by side with ocf:heartbeat:aws-vpc-route53 in one Pacemaker + Corosync lab (three
    nodes in network namespaces, the Route 53-compatible server in its own): failover and switchover times, INSYNC
    detection lag, API calls per start and per monitor for 1 and 100 records, behaviour under throttling and an outage,
    process cost of one monitor and one start. Writes bench/results/pacemaker.md. Needs root; run under the lab lock:
    flock /tmp/siosr53-lab.lock dotnet pwsh bench/Invoke-PacemakerBenchmark.ps1 -OcfPath out/Ocf -ServerPath out/Route53Server
.NOTES
    aws-vpc-route53 runs the AWS CLI (Debian's awscli 2.9) through an endpoint wrapper (its awscli parameter), with a
    text-output profile, and gets each node's own address through Pacemaker rules (ip per #uname); its monitor's dig
    asks the server's DNS frontend. API calls are counted by the server itself, per operation.
#>
param(
    [Parameter(Mandatory)] [string] $OcfPath,
    [Parameter(Mandatory)] [string] $ServerPath,
    [string] $ResultPath = (Join-Path $PSScriptRoot 'results/pacemaker.md'),
    [int] $Rounds = 2,
    [int] $Records = 100,
    [int] $Runs = 5,
    # The propagation times (s) the switchovers are measured at.
    [double[]] $Propagation = @(1, 5),
    # A start or monitor run by hand is killed after this long, as Pacemaker would (both agents' suggested start timeout).
    [int] $TimeoutSeconds = 180
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../lab/PacemakerLab.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '../lab/ClusterLab.psm1') -Function Start-LabProcess -Force
$skip = Install-PacemakerLabPackages -Package awscli, curl
if ($skip) { throw "The Pacemaker benchmark cannot run: $skip." }
$OcfPath = (Resolve-Path $OcfPath).Path
$ServerPath = (Resolve-Path $ServerPath).Path
$benchDll = Join-Path $PSScriptRoot 'SiosRoute53.Bench/bin/Release/net10.0/SiosRoute53.Bench.dll'
& dotnet build (Join-Path $PSScriptRoot 'SiosRoute53.Bench') -c Release --nologo -v quiet | Out-Null
if ($LASTEXITCODE) { throw 'Building the benchmark project failed.' }
$root = Join-Path ([System.IO.Path]::GetTempPath()) "sr53-pkbench-$PID"
Remove-Item -Recurse -Force $root -ErrorAction Ignore
$key = 'AKIDPKBENCH'; $secret = 'pk-bench/secret'
$lab = New-PacemakerLab -Root $root -OcfPath $OcfPath -ServerPath $ServerPath -AccessKey $key -SecretKey $secret -Prefix "pkb$($PID % 1000)"
$counts = Join-Path $root 'calls.json'
$report = [System.Collections.Generic.List[string]]::new()
$machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription); pacemaker $((& dpkg-query -W -f '${Version}' pacemaker)), corosync $((& dpkg-query -W -f '${Version}' corosync)), resource-agents $((& dpkg-query -W -f '${Version}' resource-agents)), awscli $((& dpkg-query -W -f '${Version}' awscli))"

function Get-Calls {
    Start-Sleep -Milliseconds 300 # the server writes its counts every 100 ms
    $c = Get-Content $counts -Raw | ConvertFrom-Json -AsHashtable
    $c['total'] = ($c.Values | Measure-Object -Sum).Sum
    $c
}
function Get-CallDelta($before, $after) {
    $d = [ordered]@{}
    foreach ($k in $after.Keys) { $v = $after[$k] - ($before[$k] ?? 0); if ($v -and $k -ne 'total') { $d[$k] = $v } }
    $d['total'] = $after['total'] - $before['total']
    $d
}
function Format-Calls($d) { ($d.Keys | Where-Object { $_ -ne 'total' } | ForEach-Object { "$_ $($d[$_])" }) -join ', ' }
function Get-Median([double[]] $v) { if (-not $v) { return [double]::NaN }; $s = @($v | Sort-Object); $s[[Math]::Floor(($s.Count - 1) / 2)] }

function Resolve-Record([string] $Name, [string] $From) {
    (Invoke-PacemakerLabNode $lab $From "dig +short +time=1 +tries=1 @$($lab.Addresses.aws) $Name A" -IgnoreFailure) -join ' '
}
function Set-Fault([string] $Json) {
    # The control document replaces every fault; a propagation delay of -1 keeps the current one.
    if ($Json -notmatch 'propagationDelaySeconds') { $Json = $Json.TrimEnd('}') + $(if ($Json -eq '{}') { '' } else { ',' }) + '"propagationDelaySeconds":-1}' }
    $request = "PUT /_control/faults HTTP/1.1\r\nHost: x\r\nX-Control-Token: bench\r\nContent-Type: application/json\r\nContent-Length: $($Json.Length)\r\nConnection: close\r\n\r\n$Json"
    Invoke-PacemakerLabNode $lab n1 "exec 3<>/dev/tcp/$($lab.Addresses.aws)/8053; printf '$request' >&3; head -1 <&3" | Out-Null
}
# What Pacemaker's agents get from the node's boot environment, for the runs by hand.
$handEnv = "AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$root/aws/config AWS_SHARED_CREDENTIALS_FILE=$root/aws/credentials"
$ourIp = ($lab.Nodes | ForEach-Object { "$_=$($lab.Addresses[$_])" }) -join ','
function New-OurPrimitive([string] $Id, [string] $Name) {
    "<primitive id='$Id' class='ocf' provider='siosroute53' type='route53'><instance_attributes id='$Id-ia'>" +
    "<nvpair id='$Id-z' name='hostedzoneid' value='$($lab.ZoneId)'/><nvpair id='$Id-f' name='fullname' value='$Name'/>" +
    "<nvpair id='$Id-i' name='ip' value='$ourIp'/><nvpair id='$Id-e' name='endpoint_url' value='$($lab.ServerEndpoint)'/>" +
    "<nvpair id='$Id-t' name='tunables' value='$($lab.Tunables)'/></instance_attributes>" +
    "<operations><op id='$Id-start' name='start' interval='0' timeout='180s'/><op id='$Id-mon' name='monitor' interval='10s' timeout='40s'/></operations></primitive>"
}
function New-TheirPrimitive([string] $Id, [string] $Name) {
    $perNode = ($lab.Nodes | ForEach-Object {
        "<instance_attributes id='$Id-ip-$_' score='$([int]$_.Substring(1) + 1)'><rule id='$Id-r-$_' score='0'><expression id='$Id-x-$_' attribute='#uname' operation='eq' value='$_'/></rule>" +
        "<nvpair id='$Id-ipv-$_' name='ip' value='$($lab.Addresses[$_])'/></instance_attributes>" }) -join ''
    "<primitive id='$Id' class='ocf' provider='heartbeat' type='aws-vpc-route53'><instance_attributes id='$Id-ia'>" +
    "<nvpair id='$Id-z' name='hostedzoneid' value='$($lab.ZoneId)'/><nvpair id='$Id-f' name='fullname' value='$Name.'/>" +
    "<nvpair id='$Id-a' name='awscli' value='$root/aws/aws-endpoint'/><nvpair id='$Id-p' name='profile' value='default'/></instance_attributes>$perNode" +
    "<operations><op id='$Id-start' name='start' interval='0' timeout='180s'/><op id='$Id-mon' name='monitor' interval='10s' timeout='180s'/></operations></primitive>"
}
function New-Group([string] $Id, [string] $DnsXml) {
    "<group id='$Id'>$DnsXml<primitive id='$Id-svc' class='ocf' provider='heartbeat' type='Dummy'><operations><op id='$Id-svc-mon' name='monitor' interval='10s' timeout='20s'/></operations></primitive></group>"
}
# The one node a resource runs on, as a node sees it; nothing while it runs nowhere or on more than one node (a probe
# that claimed it elsewhere: Pacemaker then stops it everywhere and starts it again).
function Get-Where([string] $Resource, [string] $From) {
    $on = @(Get-PacemakerLabResource $lab $From $Resource)
    if ($on.Count -eq 1) { $on[0] }
}

# One agent action run by hand in a node's namespaces, timed (wall and CPU of the whole process tree, via bash's time).
function Invoke-Agent {
    param([string] $Node, [ValidateSet('ours', 'theirs')] [string] $Agent, [string] $Action, [hashtable] $Parameter, [int] $IntervalMs = 0, [string] $Instance = 'bench')
    $envs = @($handEnv, "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=$Instance", "OCF_RESKEY_CRM_meta_interval=$IntervalMs", "OCF_RESKEY_CRM_meta_on_node=$Node", "OCF_RESKEY_CRM_meta_timeout=$($TimeoutSeconds * 1000)")
    foreach ($k in $Parameter.Keys) { $envs += "OCF_RESKEY_$k=$($Parameter[$k])" }
    $path = if ($Agent -eq 'ours') { '/usr/lib/ocf/resource.d/siosroute53/route53' } else { '/usr/lib/ocf/resource.d/heartbeat/aws-vpc-route53' }
    # Pacemaker would kill the action at its timeout: so does the run by hand (exit 124 then).
    $out = @(Invoke-PacemakerLabNode $lab $Node "TIMEFORMAT='%R %U %S'; { time timeout $TimeoutSeconds env $($envs -join ' ') $path $Action >/dev/null 2>&1; echo rc=`$? >&2; } 2>&1 | tail -2" -IgnoreFailure)
    $rc = [regex]::Match($out -join "`n", 'rc=(\d+)')
    $t = [regex]::Match($out -join "`n", '(?m)^([0-9.]+) ([0-9.]+) ([0-9.]+)$')
    if (-not $rc.Success -or -not $t.Success) { throw "$Agent $Action on ${Node}: no exit code or time in its output: $($out -join ' | ')" }
    [pscustomobject]@{ ExitCode = [int]$rc.Groups[1].Value; Wall = [double]$t.Groups[1].Value; Cpu = [double]$t.Groups[2].Value + [double]$t.Groups[3].Value }
}
$ourParams = @{ hostedzoneid = $null; endpoint_url = $lab.ServerEndpoint; ip = $ourIp; tunables = $lab.Tunables; cluster = $lab.Prefix }
function Our([string] $Name) { $p = $ourParams.Clone(); $p.hostedzoneid = $lab.ZoneId; $p.fullname = $Name; $p }
function Their([string] $Name, [string] $Node) { @{ hostedzoneid = $lab.ZoneId; fullname = "$Name."; awscli = "$root/aws/aws-endpoint"; profile = 'default'; ip = $lab.Addresses[$Node] } }

$failure = $null
$loadAtStart = (Get-Content /proc/loadavg) -split ' ' | Select-Object -First 1
try {
    try {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Start-PacemakerLab $lab -ControlToken 'bench' -Server {
            param($l)
            $l.Server = Start-LabProcess $l aws 'route53-server' @('dotnet', $benchDll, 'counting-server', "$($l.Addresses.aws):8053", "$($l.Addresses.aws):53", '1', 'corp.example', $counts) -Environment @{
                SIOSR53_ACCESS_KEY_ID = $l.AccessKey; SIOSR53_SECRET_ACCESS_KEY = $l.SecretKey }
            $null = Wait-LabCondition -Seconds 30 -Because 'the counting server starts' { (Get-Content $l.Server.Log -ErrorAction Ignore) -match '^listening' }
            $l.ZoneId = ((Get-Content $l.Server.Log) -match '^zone corp\.example\. ' -split ' ')[2]
        }
        $bringUp = $clock.Elapsed.TotalSeconds
        $ourParams.hostedzoneid = $lab.ZoneId
        Write-Host "cluster online after $([Math]::Round($bringUp, 1)) s"

        # ---- failover and switchover, both agents in one run ------------------------------------------------------------
        Invoke-PacemakerLabNode $lab n1 "cibadmin -C -o resources -X `"$(New-Group 'g-ours' (New-OurPrimitive 'ours-dns' 'ours.corp.example'))`"" | Out-Null
        Invoke-PacemakerLabNode $lab n1 "cibadmin -C -o resources -X `"$(New-Group 'g-theirs' (New-TheirPrimitive 'theirs-dns' 'theirs.corp.example'))`"" | Out-Null
        Invoke-PacemakerLabNode $lab n1 "cibadmin -C -o constraints -X `"<rsc_colocation id='together' rsc='g-theirs' with-rsc='g-ours' score='INFINITY'/>`"" | Out-Null
        $null = Wait-LabCondition -Seconds 240 -Because 'both groups are started' { (Get-Where 'g-ours-svc' n1) -and (Get-Where 'g-theirs-svc' n1) }
        $moves = [System.Collections.Generic.List[object]]::new()

        function Measure-Move([string] $Kind, [scriptblock] $Do, [double] $Propagation) {
            $from = @($lab.Nodes | ForEach-Object { Get-Where 'g-ours-svc' $_ } | Where-Object { $_ })[0]
            $alive = $lab.Nodes | Where-Object { $_ -ne $from }
            $watch = $alive[0]
            $t0 = [System.Diagnostics.Stopwatch]::StartNew()
            $to = & $Do $from $alive
            $seen = @{}
            while ($t0.Elapsed.TotalSeconds -lt 180 -and $seen.Count -lt 4) {
                foreach ($a in 'ours', 'theirs') {
                    if (-not $seen["$a-dns"]) {
                        $target = Get-Where "g-$a-svc" $watch
                        if ($target -and $target -ne $from -and (Resolve-Record "$a.corp.example" $watch) -eq $lab.Addresses[$target]) { $seen["$a-dns"] = $t0.Elapsed.TotalSeconds }
                    }
                    if (-not $seen["$a-svc"]) {
                        $target = Get-Where "g-$a-svc" $watch
                        if ($target -and $target -ne $from) { $seen["$a-svc"] = $t0.Elapsed.TotalSeconds }
                    }
                }
                Start-Sleep -Milliseconds 100
            }
            foreach ($a in 'ours', 'theirs') {
                # INSYNC is when the DNS frontend first answers the new address; the agent saw it when its start returned
                # (the group's Dummy starts right after).
                $moves.Add([pscustomobject]@{ Kind = $Kind; Agent = $a; Propagation = $Propagation; From = $from
                    RecordInsync = $seen["$a-dns"]; StartDone = $seen["$a-svc"]; Lag = if ($seen["$a-dns"] -and $seen["$a-svc"]) { [Math]::Max(0, $seen["$a-svc"] - $seen["$a-dns"]) } })
            }
            $from
        }

        for ($r = 1; $r -le $Rounds; $r++) {
            $killed = Measure-Move 'failover (corosync SIGKILL)' { param($from, $alive) Stop-PacemakerLabCorosync $lab $from } 1
            Start-PacemakerLabNode $lab $killed
            Wait-PacemakerLabOnline $lab -Nodes $lab.Nodes -TimeoutSeconds 120
        }
        foreach ($p in $Propagation) {
            Set-Fault "{`"propagationDelaySeconds`":$p}"
            for ($r = 1; $r -le $Rounds; $r++) {
                $from = Measure-Move 'switchover (crm_resource --move)' { param($from, $alive) Invoke-PacemakerLabNode $lab $alive[0] "crm_resource --move --resource g-ours --node $($alive[-1])" | Out-Null } $p
                Invoke-PacemakerLabNode $lab n1 'crm_resource --clear --resource g-ours' | Out-Null
            }
        }
        Set-Fault '{"propagationDelaySeconds":1}'

        # ---- by hand, with the cluster in maintenance mode (no monitors of its own) --------------------------------------
        Invoke-PacemakerLabNode $lab n1 'crm_attribute -t crm_config -n maintenance-mode -v true' | Out-Null
        Start-Sleep -Seconds 2

        # API calls and process cost of one start (a record held by the other node) and of one monitor.
        $costs = [System.Collections.Generic.List[object]]::new()
        for ($i = 1; $i -le $Runs; $i++) {
            foreach ($a in 'ours', 'theirs') {
                $node = if ($i % 2) { 'n2' } else { 'n3' }
                $name = "cost-$a.corp.example"
                $params = if ($a -eq 'ours') { Our $name } else { Their $name $node }
                $before = Get-Calls
                $start = Invoke-Agent $node $a start $params -Instance "cost-$a"
                $startCalls = Get-CallDelta $before (Get-Calls)
                $before = Get-Calls
                $mon = Invoke-Agent $node $a monitor $params -IntervalMs 10000 -Instance "cost-$a"
                $monCalls = Get-CallDelta $before (Get-Calls)
                $before = Get-Calls
                $probe = Invoke-Agent $node $a monitor $params -IntervalMs 0 -Instance "cost-$a"
                $probeCalls = Get-CallDelta $before (Get-Calls)
                $costs.Add([pscustomobject]@{ Agent = $a; Start = $start; StartCalls = $startCalls; Monitor = $mon; MonitorCalls = $monCalls; Probe = $probe; ProbeCalls = $probeCalls })
            }
        }

        # 1 and N records in one zone: each agent's recurring monitors and probes, each record its own process (as Pacemaker runs them).
        $batch = [System.Collections.Generic.List[string]]::new()
        for ($i = 0; $i -lt $Records; $i++) {
            $batch.Add("{`"Action`":`"UPSERT`",`"ResourceRecordSet`":{`"Name`":`"m$i.corp.example.`",`"Type`":`"A`",`"TTL`":10,`"ResourceRecords`":[{`"Value`":`"$($lab.Addresses.n1)`"}]}}")
            $batch.Add("{`"Action`":`"UPSERT`",`"ResourceRecordSet`":{`"Name`":`"_siosroute53.m$i.corp.example.`",`"Type`":`"TXT`",`"TTL`":10,`"ResourceRecords`":[{`"Value`":`"\`"siosroute53 cluster=$($lab.Prefix) resource=m$i node=n1\`"`"}]}}")
        }
        Set-Content "$root/batch.json" "{`"Changes`":[$($batch -join ',')]}"
        Invoke-PacemakerLabNode $lab n1 "env $handEnv $root/aws/aws-endpoint route53 change-resource-record-sets --hosted-zone-id $($lab.ZoneId) --change-batch file://$root/batch.json" | Out-Null
        Start-Sleep -Seconds 2
        # Our agent's "started here" marks, as n1's starts would have left them.
        Invoke-PacemakerLabNode $lab n1 "mkdir -p /run/siosroute53/ocf && for i in `$(seq 0 $($Records - 1)); do date > /run/siosroute53/ocf/m`$i.started; done" | Out-Null
        $scale = [System.Collections.Generic.List[object]]::new()
        foreach ($n in 1, $Records) {
            foreach ($a in 'ours', 'theirs') {
                foreach ($interval in 10000, 0) {
                    $lines = for ($i = 0; $i -lt $n; $i++) {
                        $params = if ($a -eq 'ours') { Our "m$i.corp.example" } else { Their "m$i.corp.example" 'n1' }
                        $envs = @($handEnv, "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=m$i", "OCF_RESKEY_CRM_meta_interval=$interval", "OCF_RESKEY_CRM_meta_on_node=n1", "OCF_RESKEY_CRM_meta_timeout=$($TimeoutSeconds * 1000)")
                        foreach ($k in $params.Keys) { $envs += "OCF_RESKEY_$k=$($params[$k])" }
                        $path = if ($a -eq 'ours') { '/usr/lib/ocf/resource.d/siosroute53/route53' } else { '/usr/lib/ocf/resource.d/heartbeat/aws-vpc-route53' }
                        "timeout $TimeoutSeconds env $($envs -join ' ') $path monitor >/dev/null 2>&1; echo `$?"
                    }
                    Set-Content "$root/monitors.txt" $lines
                    # Our snapshot is per interval: start each measurement from a cold one.
                    Invoke-PacemakerLabNode $lab n1 'rm -f /run/siosroute53/zones/zone-*.json' | Out-Null
                    $before = Get-Calls
                    $w = [System.Diagnostics.Stopwatch]::StartNew()
                    # Pacemaker runs at most 2 x cores actions at once per node (node-action-limit): 4 here.
                    $codes = Invoke-PacemakerLabNode $lab n1 "xargs -P 4 -I{} -d '\n' bash -c '{}' < $root/monitors.txt" -IgnoreFailure
                    $wall = $w.Elapsed.TotalSeconds
                    $d = Get-CallDelta $before (Get-Calls)
                    $scale.Add([pscustomobject]@{ Agent = $a; Records = $n; Kind = if ($interval) { 'recurring monitor' } else { 'probe' }; Calls = $d; Wall = $wall
                        Codes = ($codes | Group-Object | ForEach-Object { "rc $($_.Name) ×$($_.Count)" }) -join ', ' })
                }
            }
        }

        # Throttling and an outage: a start that must move the record (held by n1), and a recurring monitor of a record now elsewhere.
        $faults = [System.Collections.Generic.List[object]]::new()
        foreach ($fault in @(
                @{ Name = 'throttling storm (every request answered Throttling)'; Json = '{"throttleNextRequests":100000}' },
                @{ Name = 'request limit of 1/s (Throttling above it)'; Json = '{"requestsPerSecond":1}' },
                @{ Name = 'outage (no answer)'; Json = '{"outage":true}' })) {
            foreach ($a in 'ours', 'theirs') {
                $name = "fault-$a.corp.example"
                $params = if ($a -eq 'ours') { Our $name } else { Their $name 'n1' }
                Set-Fault '{}'
                Invoke-Agent n1 $a start $params -Instance "fault-$a" | Out-Null
                $params2 = if ($a -eq 'ours') { Our $name } else { Their $name 'n2' }
                Set-Fault $fault.Json
                $start = Invoke-Agent n2 $a start $params2 -Instance "fault-$a"
                Set-Fault '{}'
                $after = Resolve-Record $name n1
                Set-Fault $fault.Json
                # n2 believes it runs the resource (ours: its started mark), but the record is n1's.
                if ($a -eq 'ours') { Invoke-PacemakerLabNode $lab n2 "mkdir -p /run/siosroute53/ocf && date > /run/siosroute53/ocf/fault-$a.started" | Out-Null }
                $mon = Invoke-Agent n2 $a monitor $params2 -IntervalMs 10000 -Instance "fault-$a"
                Set-Fault '{}'
                $faults.Add([pscustomobject]@{ Fault = $fault.Name; Agent = $a; StartExit = $start.ExitCode; StartWall = $start.Wall; RecordAfter = $after
                    MonitorExit = $mon.ExitCode; MonitorWall = $mon.Wall })
            }
        }
        Invoke-PacemakerLabNode $lab n1 'crm_attribute -t crm_config -n maintenance-mode -v false' | Out-Null

    }
    catch {
        # What was measured until then is still reported, with the failure.
        $failure = "$_ ($($_.InvocationInfo.PositionMessage -replace '\s+', ' '))"
        Write-Warning "The benchmark stopped early: $failure"
    }
    # ---- report ------------------------------------------------------------------------------------------------------
    # The raw measurements first: a report that cannot be written loses none of them.
    New-Item -ItemType Directory -Force (Split-Path $ResultPath) | Out-Null
    [ordered]@{ Moves = $moves; Costs = $costs; Scale = $scale; Faults = $faults; BringUp = $bringUp; Failure = $failure } |
        ConvertTo-Json -Depth 6 | Set-Content ([System.IO.Path]::ChangeExtension($ResultPath, '.json'))
    $report.Add('# Under Pacemaker: ocf:siosroute53:route53 vs ocf:heartbeat:aws-vpc-route53')
    $report.Add('')
    $report.Add("Generated $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC by ``flock /tmp/siosr53-lab.lock dotnet pwsh bench/Invoke-PacemakerBenchmark.ps1 -OcfPath out/Ocf -ServerPath out/Route53Server -Rounds $Rounds -Runs $Runs -Records $Records`` (after ``build.ps1 -Task Build``), as root.")
    $report.Add("Load average (1 min) of the machine, which other work shared: $loadAtStart at the start, $((Get-Content /proc/loadavg) -split ' ' | Select-Object -First 1) at the end.")
    $report.Add("Machine: $machine. Lab: 3 nodes (corosync knet, token 1000 ms, dc-deadtime 2 s, fencing off), the Route 53-compatible server in its own namespace (no request limit unless stated), both agents' groups (agent + Dummy) colocated on one node, monitors every 10 s. Cluster online $([Math]::Round($bringUp, 1)) s after the first node was started.")
    $report.Add("aws-vpc-route53 uses the AWS CLI through an endpoint wrapper, a text-output profile, and each node's address from a Pacemaker rule; its monitor's ``dig`` asks the server's DNS frontend. Our agent: per-node ``ip`` map, tunables ROUTE53_CHANGEID_INTERVAL=1 (INSYNC polled at 0.5 s, then every 1 s).")
    $report.Add('')
    $report.Add('## Moves: time until the record is INSYNC on the new node, and how late each agent saw INSYNC')
    $report.Add('')
    $report.Add('Record INSYNC = the server''s DNS frontend (which answers INSYNC data only) first answers the new node''s address, counted from the kill or the move command. Detection lag = the group''s next member (Dummy) started minus record INSYNC: how long the agent''s start kept waiting after the change was in sync.')
    $report.Add('')
    $report.Add('| move | propagation | agent | record INSYNC on the new node (median, all runs) | INSYNC detection lag (median, all runs) |')
    $report.Add('|---|---|---|---|---|')
    foreach ($g in $moves | Group-Object Kind, Propagation, Agent) {
        $first = $g.Group[0]
        $ins = @($g.Group | Where-Object RecordInsync | ForEach-Object RecordInsync)
        $lag = @($g.Group | Where-Object { $null -ne $_.Lag } | ForEach-Object Lag)
        $insText = if ($ins) { '{0:0.0} s ({1})' -f (Get-Median $ins), (($ins | ForEach-Object { $_.ToString('0.0') }) -join ', ') } else { 'not within 180 s' }
        $lagText = if ($lag) { '{0:0.0} s ({1})' -f (Get-Median $lag), (($lag | ForEach-Object { $_.ToString('0.0') }) -join ', ') } else { '-' }
        $report.Add("| $($first.Kind) | $($first.Propagation) s | $($first.Agent) | $insText | $lagText |")
    }
    $report.Add('')
    $report.Add("## One start and one monitor: API calls and process cost ($Runs runs each, median)")
    $report.Add('')
    $report.Add('Run by hand in a node''s namespaces with the cluster in maintenance mode; the start moves the record from the other node. Wall and CPU (user + system) of the whole process tree. Pacemaker''s default action timeout is 20 s; the suggested ones are 180 s (both agents'' start), 40 s (our monitor), 180 s (theirs).')
    $report.Add('')
    $report.Add('| agent | action | exit codes | API calls (per run) | wall | CPU |')
    $report.Add('|---|---|---|---|---|---|')
    foreach ($a in 'ours', 'theirs') {
        $rows = $costs | Where-Object Agent -EQ $a
        foreach ($act in @(@{ N = 'start'; R = 'Start'; C = 'StartCalls' }, @{ N = 'recurring monitor'; R = 'Monitor'; C = 'MonitorCalls' }, @{ N = 'probe'; R = 'Probe'; C = 'ProbeCalls' })) {
            $runs = $rows | ForEach-Object { $_.($act.R) }
            $calls = ($rows | ForEach-Object { Format-Calls $_.($act.C) } | Group-Object | ForEach-Object { if ($_.Name) { "$($_.Name) (×$($_.Count))" } else { "none (×$($_.Count))" } }) -join '; '
            $report.Add("| $a | $($act.N) | $(($runs.ExitCode | Group-Object | ForEach-Object { "$($_.Name)×$($_.Count)" }) -join ' ') | $calls | $('{0:0.00}' -f (Get-Median $runs.Wall)) s | $('{0:0.00}' -f (Get-Median $runs.Cpu)) s |")
        }
    }
    $report.Add('')
    $report.Add("## Monitors of 1 and $Records records in one zone")
    $report.Add('')
    $report.Add("Each record's monitor its own process on one node, 4 at a time (Pacemaker's node-action-limit here). Our agent starts from a cold zone snapshot.")
    $report.Add('')
    $report.Add('| agent | records | action | API calls | wall for all | exit codes |')
    $report.Add('|---|---|---|---|---|---|')
    foreach ($s in $scale) { $report.Add("| $($s.Agent) | $($s.Records) | $($s.Kind) | $($s.Calls.total) ($(Format-Calls $s.Calls)) | $('{0:0.0}' -f $s.Wall) s | $($s.Codes) |") }
    $report.Add('')
    $report.Add('## Throttling and an outage')
    $report.Add('')
    $report.Add('A start on n2 of a record held by n1 while the fault lasts, then (fault still on) a recurring monitor on n2, which believes it runs the resource while the record is n1''s. OCF exit codes: 0 success, 1 failure, 7 not running.')
    $report.Add('')
    $report.Add('| fault | agent | start exit | start wall | record afterwards | recurring monitor exit |')
    $report.Add('|---|---|---|---|---|---|')
    foreach ($f in $faults) {
        $holder = ($lab.Nodes | Where-Object { $lab.Addresses[$_] -eq $f.RecordAfter }) -join ''
        $report.Add("| $($f.Fault) | $($f.Agent) | $($f.StartExit) | $('{0:0.0}' -f $f.StartWall) s | $($f.RecordAfter) ($holder) | $($f.MonitorExit) |")
    }
    if ($failure) { $report.Add(''); $report.Add("**The run stopped early**, and the sections above hold what was measured until then: $failure") }
    New-Item -ItemType Directory -Force (Split-Path $ResultPath) | Out-Null
    $report | Set-Content $ResultPath
    $report | Write-Host
}
finally {
    Remove-PacemakerLab $lab
    Remove-Item -Recurse -Force $root -ErrorAction Ignore
}
