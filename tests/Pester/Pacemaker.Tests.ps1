# A real Pacemaker + Corosync cluster of three nodes in network and mount namespaces, with the Route 53-compatible
# server in its own namespace; the group 'web' = our route53 resource + a Dummy service. Part of the default test run:
# needs root, installs Debian's pacemaker, corosync and resource-agents with apt-get when they are missing, and is
# skipped (saying why) when it cannot; SIOSR53_PACEMAKER_TESTS=0 leaves it out.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../lab/PacemakerLab.psm1') -Force
    $skipReason = if ($env:SIOSR53_PACEMAKER_TESTS -eq '0') { 'SIOSR53_PACEMAKER_TESTS=0 leaves them out' } else { Install-PacemakerLabPackages }
    if ($skipReason) { Write-Warning "The Pacemaker cluster tests are skipped: $skipReason." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../lab/PacemakerLab.psm1') -Force
    $timings = [System.Collections.Generic.List[string]]::new()
    if ($env:SIOSR53_PACEMAKER_TESTS -eq '0' -or (Install-PacemakerLabPackages)) { return }
    $credential = Get-TestCredential
    $root = Join-Path ([System.IO.Path]::GetTempPath()) "sr53-pacemaker-$PID"
    Remove-Item -Recurse -Force $root -ErrorAction Ignore
    $lab = New-PacemakerLab -Root $root -OcfPath (Join-Path (Split-Path $env:SIOSR53_TEST_MODULE) 'Ocf') -ServerPath $env:SIOSR53_TEST_SERVER `
        -AccessKey $credential.AccessKey -SecretKey $credential.SecretKey
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    Start-PacemakerLab $lab -PropagationSeconds 1 -ControlToken 'pacemaker-control'
    $timings.Add("cluster of 3 online with a DC: $($clock.Elapsed.TotalSeconds.ToString('0.0')) s")

    function New-Route53Primitive {
        param([string] $Id, [string] $Name, [hashtable] $Extra = @{})
        $params = @{ hostedzoneid = $lab.ZoneId; fullname = $Name; endpoint_url = $lab.ServerEndpoint; tunables = $lab.Tunables
            ip = (($lab.Nodes | ForEach-Object { "$_=$($lab.Addresses[$_])" }) -join ',') } + $Extra
        $nv = ($params.Keys | ForEach-Object { "<nvpair id='$Id-$_' name='$_' value='$($params[$_])'/>" }) -join ''
        "<primitive id='$Id' class='ocf' provider='siosroute53' type='route53'><instance_attributes id='$Id-ia'>$nv</instance_attributes>" +
        "<operations><op id='$Id-start' name='start' interval='0' timeout='60s'/><op id='$Id-monitor' name='monitor' interval='5s' timeout='30s'/></operations></primitive>"
    }
    function Add-Resources([string] $Xml) { Invoke-PacemakerLabNode $lab $lab.Nodes[0] "cibadmin -C -o resources -X `"$Xml`"" | Out-Null }

    # What an on-premises client resolves: the server's DNS frontend answers from INSYNC data only.
    function Resolve-Record([string] $Name, [string] $Type = 'A', [string] $From = $lab.Nodes[0]) {
        (Invoke-PacemakerLabNode $lab $From "dig +short +time=1 +tries=1 @$($lab.Addresses.aws) $Name $Type" -IgnoreFailure) -join ' '
    }
    function Get-Owner { Get-PacemakerLabResource $lab ($lab.Nodes | Where-Object { $_ -notin $script:dead } | Select-Object -First 1) 'web-svc' }

    function Set-ServerFault([string] $Json) {
        # Bash's /dev/tcp from a node: no HTTP client needed in the namespace.
        $request = "PUT /_control/faults HTTP/1.1\r\nHost: $($lab.Addresses.aws)\r\nX-Control-Token: pacemaker-control\r\nContent-Type: application/json\r\nContent-Length: $($Json.Length)\r\nConnection: close\r\n\r\n$Json"
        Invoke-PacemakerLabNode $lab $lab.Nodes[0] "exec 3<>/dev/tcp/$($lab.Addresses.aws)/8053; printf '$request' >&3; head -1 <&3" | Should -Match ' 200 '
    }

    $script:dead = @()
    $clock.Restart()
    Add-Resources ("<group id='web'>" + (New-Route53Primitive 'web-dns' 'app.corp.example') +
        "<primitive id='web-svc' class='ocf' provider='heartbeat' type='Dummy'><operations><op id='web-svc-monitor' name='monitor' interval='5s' timeout='20s'/></operations></primitive></group>")
}

AfterAll {
    if ($lab) {
        $logs = Join-Path (Split-Path $env:SIOSR53_TEST_MODULE) 'test/pacemaker-logs'
        New-Item -ItemType Directory -Force $logs | Out-Null
        foreach ($node in $lab.Nodes) {
            Copy-Item (Join-Path $lab.Root "$node/log/pacemaker/pacemaker.log") (Join-Path $logs "$node.log") -ErrorAction Ignore
            Write-Host "---- ${node}: route53 agent"
            Get-PacemakerLabLog $lab $node '\(log_finished\).*(web|other|down|busy)-dns ' | Select-Object -Last 15 | Write-Host
        }
        Remove-PacemakerLab $lab
    }
    if ($timings.Count) {
        $out = Join-Path (Split-Path $env:SIOSR53_TEST_MODULE) 'test/pacemaker-timings.txt'
        New-Item -ItemType Directory -Force (Split-Path $out) | Out-Null
        $timings | Set-Content $out
        $timings | ForEach-Object { Write-Host "timing: $_" }
    }
    if ($root) { Remove-Item -Recurse -Force $root -ErrorAction Ignore }
}

Describe 'ocf:siosroute53:route53 in a Pacemaker + Corosync cluster' -Skip:([bool] $skipReason) {
    It 'the group comes up on one node and the record holds that node''s address with that node''s mark' {
        $owner = Wait-LabCondition -Seconds 60 -Because 'the group web is started' { Get-Owner }
        $timings.Add("group started after $($clock.Elapsed.TotalSeconds.ToString('0.0')) s on $owner")
        Get-PacemakerLabResource $lab $lab.Nodes[0] 'web-dns' | Should -Be $owner
        Wait-LabCondition -Seconds 20 -Because "the record resolves to $owner" { (Resolve-Record 'app.corp.example') -eq $lab.Addresses[$owner] } | Out-Null
        Resolve-Record '_siosroute53.app.corp.example' TXT | Should -Match "cluster=$($lab.Prefix) resource=web-dns node=$owner"
    }

    It 'killing the owner''s corosync moves the group and the record follows once INSYNC' {
        $old = Get-Owner
        $clock.Restart()
        Stop-PacemakerLabCorosync $lab $old
        $script:dead = @($old)
        $survivor = $lab.Nodes | Where-Object { $_ -ne $old } | Select-Object -First 1
        $new = Wait-LabCondition -Seconds 60 -Because 'the group is started on a survivor' {
            $n = Get-PacemakerLabResource $lab $survivor 'web-svc'
            if ($n -and $n -ne $old) { $n }
        }
        Wait-LabCondition -Seconds 30 -Because "the record resolves to $new" { (Resolve-Record 'app.corp.example' A $survivor) -eq $lab.Addresses[$new] } | Out-Null
        $timings.Add("corosync SIGKILL on $old -> record INSYNC on $new (answered by DNS): $($clock.Elapsed.TotalSeconds.ToString('0.0')) s")
        Resolve-Record '_siosroute53.app.corp.example' TXT $survivor | Should -Match "node=$new"
        Get-PacemakerLabLog $lab $new 'web-dns.*record-ours-insync' | Should -Match 'INSYNC after'
    }

    It 'the killed node rejoins without claiming the group, and crm_resource --move switches it over' {
        $old = $script:dead[0]
        Start-PacemakerLabNode $lab $old
        Wait-PacemakerLabOnline $lab -Nodes $lab.Nodes -TimeoutSeconds 90
        $script:dead = @()
        $from = Get-Owner
        $from | Should -Not -Be $old -Because 'its probe found no start of its own on the rejoined node'
        $lab.Nodes | ForEach-Object { Get-PacemakerLabLog $lab $_ 'web-dns.*active on 2 nodes|Multiple active.*web' } | Should -BeNullOrEmpty
        $clock.Restart()
        Invoke-PacemakerLabNode $lab $from "crm_resource --move --resource web --node $old" | Out-Null
        try {
            Wait-LabCondition -Seconds 60 -Because "the group moves to $old" { (Get-Owner) -eq $old } | Out-Null
            Wait-LabCondition -Seconds 30 -Because "the record resolves to $old" { (Resolve-Record 'app.corp.example') -eq $lab.Addresses[$old] } | Out-Null
            $timings.Add("crm_resource --move $from -> $old, record INSYNC: $($clock.Elapsed.TotalSeconds.ToString('0.0')) s")
        }
        finally { Invoke-PacemakerLabNode $lab $from 'crm_resource --clear --resource web' -IgnoreFailure | Out-Null }
    }

    It 'a record another cluster owns is not overwritten: the start fails on every node' {
        # Another cluster's agent (same agent, other cluster name) made other.corp.example point at its node.
        $ocf = Join-Path $lab.Root 'ocf-host/SiosRoute53.Ocf.dll'
        Invoke-PacemakerLabNode $lab $lab.Nodes[0] ("AWS_ACCESS_KEY_ID=$($lab.AccessKey) AWS_SECRET_ACCESS_KEY=$($lab.SecretKey) SIOSR53_RUN_DIR=/tmp/pk-other-$PID " +
            "OCF_RESKEY_hostedzoneid=$($lab.ZoneId) OCF_RESKEY_fullname=other.corp.example OCF_RESKEY_ip=10.99.0.1 OCF_RESKEY_cluster=prod " +
            "OCF_RESKEY_endpoint_url=$($lab.ServerEndpoint) OCF_RESOURCE_INSTANCE=other-dns dotnet $ocf start") | Out-Null
        Add-Resources (New-Route53Primitive 'other-dns' 'other.corp.example')
        Wait-LabCondition -Seconds 60 -Because 'other-dns failed to start on every node' {
            $status = Invoke-PacemakerLabNode $lab $lab.Nodes[0] 'crm_mon -1 --output-as=xml' -IgnoreFailure
            $failed = ([xml] ($status -join "`n")).SelectNodes("//failure[@op_key='other-dns_start_0']")
            @($failed).Count -eq $lab.Nodes.Count
        } | Out-Null
        Get-PacemakerLabResource $lab $lab.Nodes[0] 'other-dns' | Should -BeNullOrEmpty
        Resolve-Record 'other.corp.example' | Should -Be '10.99.0.1'
        Resolve-Record '_siosroute53.other.corp.example' TXT | Should -Match 'cluster=prod'
    }

    It 'an unreachable Route 53 during start makes the start fail, never succeed' {
        Set-ServerFault '{"outage":true,"propagationDelaySeconds":-1}'
        try {
            Add-Resources (New-Route53Primitive 'down-dns' 'down.corp.example')
            Wait-LabCondition -Seconds 90 -Because 'down-dns failed to start on every node' {
                $status = Invoke-PacemakerLabNode $lab $lab.Nodes[0] 'crm_mon -1 --output-as=xml' -IgnoreFailure
                @(([xml] ($status -join "`n")).SelectNodes("//failure[@op_key='down-dns_start_0']")).Count -eq $lab.Nodes.Count
            } | Out-Null
            Get-PacemakerLabResource $lab $lab.Nodes[0] 'down-dns' | Should -BeNullOrEmpty
            # The running group's monitors saw the outage and did not fail it.
            Get-Owner | Should -Not -BeNullOrEmpty
        }
        finally { Set-ServerFault '{"outage":false,"propagationDelaySeconds":-1}' }
        Resolve-Record 'down.corp.example' | Should -BeNullOrEmpty
    }

    It 'a throttled Route 53 during start makes the start fail, never succeed' {
        Set-ServerFault '{"throttleNextRequests":100000,"propagationDelaySeconds":-1}'
        try {
            Add-Resources (New-Route53Primitive 'busy-dns' 'busy.corp.example')
            Wait-LabCondition -Seconds 90 -Because 'busy-dns failed to start on every node' {
                $status = Invoke-PacemakerLabNode $lab $lab.Nodes[0] 'crm_mon -1 --output-as=xml' -IgnoreFailure
                @(([xml] ($status -join "`n")).SelectNodes("//failure[@op_key='busy-dns_start_0']")).Count -eq $lab.Nodes.Count
            } | Out-Null
            Get-PacemakerLabResource $lab $lab.Nodes[0] 'busy-dns' | Should -BeNullOrEmpty
        }
        finally { Set-ServerFault '{"throttleNextRequests":0,"propagationDelaySeconds":-1}' }
        Resolve-Record 'busy.corp.example' | Should -BeNullOrEmpty
    }
    It 'a secret rotated under a running resource is logged as refused by Route 53 while the resource and its service keep running' {
        # The resource reads its keys from a profile in the shared credentials file, alone on a node of its own (the
        # agents of one node share their zone reads, so another resource's read would answer for it).
        $credentials = Join-Path $lab.Root 'aws/credentials'
        $good = Get-Content -Raw $credentials
        Add-Content $credentials "[pk-rotating]`naws_access_key_id = $($lab.AccessKey)`naws_secret_access_key = $($lab.SecretKey)`n"
        $node = $lab.Nodes | Where-Object { $_ -ne (Get-Owner) } | Select-Object -First 1
        Add-Resources ("<group id='rot'>" + (New-Route53Primitive 'rot-dns' 'rot.corp.example' @{ profile = 'pk-rotating' }) +
            "<primitive id='rot-svc' class='ocf' provider='heartbeat' type='Dummy'><operations><op id='rot-svc-monitor' name='monitor' interval='5s' timeout='20s'/></operations></primitive></group>")
        Invoke-PacemakerLabNode $lab $lab.Nodes[0] "cibadmin -C -o constraints -X `"<rsc_location id='rot-on-$node' rsc='rot' node='$node' score='INFINITY'/>`"" | Out-Null
        Wait-LabCondition -Seconds 60 -Because "the group rot is started on $node" { (Get-PacemakerLabResource $lab $node 'rot-svc') -eq $node } | Out-Null
        try {
            Set-Content $credentials ($good + "[pk-rotating]`naws_access_key_id = $($lab.AccessKey)`naws_secret_access_key = rotated-away`n")
            Wait-LabCondition -Seconds 30 -Because 'a monitor of rot-dns is refused by Route 53' { Get-PacemakerLabLog $lab $node 'rot-dns monitor \[route53-refused-not-a-failure\]' } | Out-Null
            # Another interval: still refused, and still nothing failed.
            $seen = @(Get-PacemakerLabLog $lab $node 'rot-dns monitor \[route53-refused-not-a-failure\]').Count
            Wait-LabCondition -Seconds 30 -Because 'the next monitor is refused too' { @(Get-PacemakerLabLog $lab $node 'rot-dns monitor \[route53-refused-not-a-failure\]').Count -gt $seen } | Out-Null
            $status = Get-PacemakerLabStatus $lab $node
            @($status.SelectNodes("//failure[starts-with(@op_key, 'rot-')]")).Count | Should -Be 0
            Get-PacemakerLabResource $lab $node 'rot-svc' | Should -Be $node
            Get-PacemakerLabResource $lab $node 'rot-dns' | Should -Be $node
        }
        finally { Set-Content $credentials $good -NoNewline }
        Resolve-Record 'rot.corp.example' | Should -Be $lab.Addresses[$node]
    }
}
