# Get-HaStatus on one node (no cluster, then a cluster whose agents are not running), and the default views of every
# output type at 80 columns: key values (EC2 host names, messages) whole, no type names, plain JSON.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Set-TestAwsEnvironment
    $server = Start-TestRoute53Server -Zone 'corp.example' -PropagationSeconds 0.1
    $zoneId = $server.Zones['corp.example.']
    Import-Module (Get-TestModulePath) -Force

    $stateDir = Join-Path $TestDrive 'state'
    $tunables = Join-Path $TestDrive 'SiosRoute53'
    Set-Content $tunables "ROUTE53_CHANGEID_INTERVAL=1`nROUTE53_RECORDCHECK_INTERVAL=1`nROUTE53_RECORDCHECK_TRY_COUNT=1`n"
    $flag = Join-Path $TestDrive 'web.running'
    $PSDefaultParameterValues = @{
        '*-Ha*:StateDirectory' = $stateDir
        '*-Ha*:TunablesPath'   = $tunables
        '*-Ha*:EndpointUrl'    = $server.Endpoint
    }
    New-HaIpResource -Tag web-ip -Address 127.0.0.1 | Out-Null
    New-HaRoute53Resource -Tag web-dns -RecordName app.corp.example -ZoneName corp.example -IpResource web-ip | Out-Null
    New-HaServiceResource -Tag web -StartCommand "touch '$flag'" -StopCommand "rm -f '$flag'" -CheckCommand "test -f '$flag'" -DependsOn web-dns | Out-Null
    New-HaIpResource -Tag api-ip -Address 127.0.0.1 | Out-Null
    New-HaRoute53Resource -Tag api-dns -RecordName api.corp.example -ZoneName corp.example -IpResource api-ip | Out-Null
    Start-HaResource web | Out-Null
    Set-TestRecord $server $zoneId 'api.corp.example.' '192.0.2.44'
    $node = (Get-HaResource web).Node

    function Get-Lines([Parameter(ValueFromPipeline)] $InputObject) {
        begin { $all = [System.Collections.Generic.List[object]]::new() }
        process { $all.Add($InputObject) }
        end { ($all | Out-String -Width 80) -split "`n" | ForEach-Object TrimEnd }
    }
}

AfterAll {
    Stop-TestRoute53Server $server
    Remove-Module SiosRoute53 -ErrorAction Ignore
}

Describe 'Get-HaStatus on a node without a cluster' {
    BeforeAll { $status = Get-HaStatus }

    It 'shows each hierarchy as a tree with every resource''s state and priority on this node' {
        $status.Cluster | Should -BeNullOrEmpty
        $status.Nodes | Should -Be @($node)
        $web = $status.Hierarchies | Where-Object Hierarchy -EQ web
        $web.Tag | Should -Be @('web', 'web-dns', 'web-ip')
        $web.Depth | Should -Be @(0, 1, 2)
        $web.Nodes.State | Should -Be @('ISP', 'ISP', 'ISP')
        $web.Nodes.Priority | Should -Be @(1, 1, 1)
        ($status.Hierarchies | Where-Object Hierarchy -EQ api-dns).Nodes.State | Should -Be @('OSU', 'OSU')
    }

    It 'shows each record''s value in Route 53 now, whose address it is and its owner, with one zone read for all records' {
        $status.ApiCalls | Should -Be 1
        $app = $status.Records | Where-Object Tag -EQ web-dns
        $app.Record | Should -Be 'app.corp.example.'
        $app.Value | Should -Be '127.0.0.1'
        $app.PointsTo | Should -Be $node
        $app.Owner | Should -BeLike "$node (cluster *)"
        $api = $status.Records | Where-Object Tag -EQ api-dns
        $api.Value | Should -Be '192.0.2.44'
        $api.PointsTo | Should -BeNullOrEmpty
        $api.Owner | Should -BeNullOrEmpty -Because 'a record set by hand carries no ownership mark'
    }

    It 'prints a tree that fits 80 columns' {
        $lines = $status | Get-Lines
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        $lines | Should -Contain "Node $node (no cluster) at $($status.Time.ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss'))"
        $lines -match '^└ web-dns +route53 +ISP 1$' | Should -Not -BeNullOrEmpty
        $lines -match '^  └ web-ip +ip +ISP 1$' | Should -Not -BeNullOrEmpty
        $lines | Should -Contain "app.corp.example.  127.0.0.1 ($node)  owner: $(($status.Records | Where-Object Tag -EQ web-dns).Owner)"
        $lines | Should -Contain 'api.corp.example.  192.0.2.44 (no node of this cluster)  owner: none'
    }

    It 'converts to JSON with state names and plain numbers' {
        $json = $status | ConvertTo-Json -Depth 6 | ConvertFrom-Json
        $json.Hierarchies[0].Nodes[0].State | Should -BeOfType [string]
        $json.Hierarchies[0].Nodes[0].Priority | Should -BeOfType [long]
        $json.Records[0].Value | Should -Match '^\d+\.\d+\.\d+\.\d+$'
    }

    It 'makes no Route 53 call with -SkipRecord, and shows the rest with a warning when Route 53 cannot be read' {
        Set-TestServerFault $server @{ outage = $true }
        try {
            $skipped = Get-HaStatus -SkipRecord -WarningVariable skipWarnings
            $outage = Get-HaStatus -WarningVariable warned -WarningAction SilentlyContinue
        }
        finally { Set-TestServerFault $server @{} }
        $skipped.Records | Should -BeNullOrEmpty
        $skipped.ApiCalls | Should -Be 0
        $skipWarnings | Should -BeNullOrEmpty
        $warned.Message -join "`n" | Should -Match 'app\.corp\.example\. \(web-dns\): could not be read'
        ($outage.Records | Where-Object Tag -EQ web-dns).Problem | Should -Match 'could not be read'
        ($outage.Hierarchies | Where-Object Tag -EQ web).Nodes.State | Should -Be 'ISP'
    }
}

Describe 'Default views at 80 columns' {
    It 'shows Get-HaEvent''s messages whole, under a header line per event' {
        $events = Get-HaEvent -Newest 5
        $lines = $events | Get-Lines
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        foreach ($e in $events | Where-Object { $_.Message.Length -le 76 }) {
            $lines | Should -Contain "    $($e.Message)"
        }
        $restore = $events | Where-Object Action -EQ restore | Select-Object -First 1
        $lines -match "^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  $node  $($restore.Tag)  restore success  \d+\.\d s$" | Should -Not -BeNullOrEmpty
    }

    It 'gives every event a plain Seconds number in JSON' {
        $json = Get-HaEvent -Action restore -Newest 1 | ConvertTo-Json | ConvertFrom-Json
        $json.Seconds | Should -BeOfType [double]
    }

    It 'keeps every table within 80 columns with its key values whole' {
        $tables = @{
            'Get-HaResource'  = { Get-HaResource }
            'Test-HaResource' = { Test-HaResource }
            'Get-HaTunable'   = { Get-HaTunable }
            'Get-HaRoute53Zone' = { Get-HaRoute53Zone }
        }
        foreach ($name in $tables.Keys) {
            $lines = & $tables[$name] | Get-Lines
            $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty -Because "$name's view must fit"
        }
        (Get-HaTunable | Get-Lines) -match '^ROUTE53_RECORDCHECK_TRY_COUNT +1 +File ' | Should -Not -BeNullOrEmpty
        (Get-HaResource web | Get-Lines) -match '^web +Service ISP ' | Should -Not -BeNullOrEmpty
    }

    It 'shows a switchover''s result and steps with node names and message, not type names' {
        $step = (Get-EngineType 'SiosRoute53.Model.HaStep')::new()
        $result = (Get-EngineType 'SiosRoute53.Cluster.HaSwitchoverResult')::new()
        foreach ($p in @{ Tag = 'web'; Action = 'restore'; Outcome = 'success'; Message = 'Started.' }.GetEnumerator()) { $step.GetType().GetProperty($p.Key).SetValue($step, $p.Value) }
        foreach ($p in @{ Tag = 'web'; From = 'ip-10-0-1-10'; To = 'ip-10-0-2-10'; Succeeded = $true; Message = "'web' moved." }.GetEnumerator()) { $result.GetType().GetProperty($p.Key).SetValue($result, $p.Value) }
        $lines = $result | Get-Lines
        $lines -match "^web +ip-10-0-1-10 +ip-10-0-2-10 +True +0 'web' moved\.$" | Should -Not -BeNullOrEmpty
        ($lines + ($step | Get-Lines)) -match 'SiosRoute53\.|System\.' | Should -BeNullOrEmpty
    }
}

Describe 'Get-HaStatus on a node of a cluster whose agents are not running' {
    BeforeAll {
        $port = Get-Random -Minimum 40000 -Maximum 50000
        New-HaCluster -Name lab -NodeName ip-10-0-1-10 -Path "127.0.0.1:$port" | Out-Null
        # No agent runs here, so no member can store a change: members are added as QUORUM_MODE=none commits them
        # (locally, with a warning event); the status itself is read with the majority rule of the test's tunables.
        $noQuorum = Join-Path $TestDrive 'no-quorum'
        Set-Content $noQuorum 'QUORUM_MODE=none'
        $env:SIOSR53_TUNABLES = $noQuorum
        try {
            Add-HaNode -Name ip-10-0-2-10 -Path "127.0.0.1:$($port + 1)" -WarningAction SilentlyContinue -TunablesPath $noQuorum | Out-Null
            Add-HaNode -Name witness-a -Path "127.0.0.1:$($port + 2)" -Witness -WarningAction SilentlyContinue -TunablesPath $noQuorum | Out-Null
        }
        finally { Remove-Item Env:SIOSR53_TUNABLES }
        $status = Get-HaStatus -SkipRecord
    }

    It 'shows every member as not reachable, quorum unknown, and this node''s states from its own store' {
        $status.Cluster | Should -Be 'lab'
        $status.Members.Name | Should -Be @('ip-10-0-1-10', 'ip-10-0-2-10', 'witness-a')
        $status.Members.Reachable | Should -Be @($false, $false, $false)
        $status.Members.Role | Should -Be @('node', 'node', 'witness')
        $status.Quorum.Votes | Should -Be 3
        $status.Quorum.Needed | Should -Be 2
        $status.Quorum.HasQuorum | Should -BeNullOrEmpty
        $status.Quorum.Witnesses | Should -Be @('witness-a')
        $status.Nodes | Should -Be @('ip-10-0-1-10', 'ip-10-0-2-10')
        ($status.Hierarchies | Where-Object Tag -EQ web).Nodes.State | Should -Be 'ISP'
    }

    It 'prints whole EC2 host names within 80 columns, in the status, Get-HaResource, Get-HaCluster and Get-HaNode' {
        $lines = @($status | Get-Lines) + @(Get-HaResource web | Get-Lines) + @(Get-HaCluster | Get-Lines) + @(Get-HaNode | Get-Lines)
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        $lines -match '^Hierarchy +Kind +ip-10-0-1-10 +ip-10-0-2-10$' | Should -Not -BeNullOrEmpty
        $lines -match '^web +Service ISP +ip-10-0-1-10 ' | Should -Not -BeNullOrEmpty
        $lines -match '^ip-10-0-2-10 +Node +False ' | Should -Not -BeNullOrEmpty
        $lines -match '^ip-10-0-2-10 +Node +127\.0\.0\.1:' | Should -Not -BeNullOrEmpty
        $lines -match 'SiosRoute53\.|System\.' | Should -BeNullOrEmpty -Because 'no column may print a type name'
    }
}
