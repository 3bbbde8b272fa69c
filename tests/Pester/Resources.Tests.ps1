# The product on one node, end to end against the Route 53-compatible server: the seed's hierarchy created,
# started, checked, broken by hand and recovered, checked through an API outage, stopped and removed.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Set-TestAwsEnvironment
    $server = Start-TestRoute53Server -Zone 'corp.example' -PropagationSeconds 0.3
    $zoneId = $server.Zones['corp.example.']
    Import-Module (Get-TestModulePath) -Force

    $stateDir = Join-Path $TestDrive 'state'
    $tunables = Join-Path $TestDrive 'SiosRoute53'
    Set-Content $tunables "ROUTE53_RECORD_INTERVAL=1`nROUTE53_CHANGEID_INTERVAL=1`nROUTE53_CHANGEID_TRY_COUNT=10`nROUTE53_RECORDCHECK_INTERVAL=1`nROUTE53_RECORDCHECK_TRY_COUNT=2`n"
    $flag = Join-Path $TestDrive 'web.running'
    $PSDefaultParameterValues = @{
        '*-Ha*:StateDirectory' = $stateDir
        '*-Ha*:TunablesPath'   = $tunables
        '*-Ha*:EndpointUrl'    = $server.Endpoint
    }
    function Get-ARecord { Get-HaRoute53Record -HostedZoneId $zoneId -Name app.corp.example -Type A }
}

AfterAll {
    Stop-TestRoute53Server $server
    Remove-Module SiosRoute53 -ErrorAction Ignore
}

Describe 'The seed hierarchy on one node' {
    It 'is created: service -> route53 record -> the node''s real IP' {
        New-HaIpResource -Tag web-ip -Address 127.0.0.1 | Out-Null
        New-HaRoute53Resource -Tag web-dns -RecordName app.corp.example -ZoneName corp.example -IpResource web-ip | Out-Null
        $web = New-HaServiceResource -Tag web -StartCommand "touch '$flag'" -StopCommand "rm -f '$flag'" -CheckCommand "test -f '$flag'" -DependsOn web-dns
        $web.Children | Should -Be @('web-dns')
        $all = Get-HaResource
        $all.Tag | Should -Be @('web-ip', 'web-dns', 'web')
        $all.State | Should -Be @('OSU', 'OSU', 'OSU')
        (Get-HaResource web-dns).Detail | Should -Be "app.corp.example. A in corp.example. ($zoneId)"
    }

    It 'keeps its state readable by root only' {
        (Get-Item (Join-Path $stateDir 'state.json')).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        (Get-Item $stateDir).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
    }

    It 'changes nothing with -WhatIf' {
        Start-HaResource web -WhatIf
        (Get-HaResource).State | Should -Be @('OSU', 'OSU', 'OSU')
        Get-ARecord | Should -BeNullOrEmpty
    }

    It 'comes in service children first: A record = this node, ownership TXT beside it, INSYNC followed' {
        $result = Start-HaResource web
        $result.Succeeded | Should -BeTrue
        $result.Steps.Tag | Should -Be @('web-ip', 'web-dns', 'web')
        $result.Steps[1].Message | Should -Match 'INSYNC after'
        (Get-HaResource).State | Should -Be @('ISP', 'ISP', 'ISP')
        $a = Get-ARecord
        $a.Values | Should -Be @('127.0.0.1')
        $a.Ttl | Should -Be 10
        $mark = Get-HaRoute53Record -HostedZoneId $zoneId -Name _siosroute53.app.corp.example -Type TXT
        $mark.Values[0] | Should -Match 'cluster=\S+ resource=web-dns node=\S+'
        $flag | Should -Exist
    }

    It 'passes its quickCheck, reading the zone for the record' {
        $results = Test-HaResource
        $results.Count | Should -Be 3
        $results.Outcome | Should -Be @('Healthy', 'Healthy', 'Healthy')
        ($results | Where-Object Tag -EQ 'web-dns').ApiCalls | Should -Be 1
        Test-HaResource -Quiet | Should -BeTrue
    }

    It 'fails the check when the record is changed behind its back, and -Recover repairs it' {
        Set-TestRecord $server $zoneId 'app.corp.example.' '192.0.2.99'
        $check = Test-HaResource web-dns -ErrorVariable failed -ErrorAction SilentlyContinue
        $check.Outcome | Should -Be 'Failed'
        $check.Message | Should -Match '192\.0\.2\.99 instead of 127\.0\.0\.1'
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ResourceCheckFailed,*'
        (Get-HaResource web-dns).State | Should -Be 'ISU'

        $recovered = Test-HaResource -Recover | Where-Object Tag -EQ web-dns
        $recovered.Recovered | Should -BeTrue
        $recovered.State | Should -Be 'ISP'
        (Get-ARecord).Values | Should -Be @('127.0.0.1')
    }

    It 'calls an API outage "unknown": a warning, no recovery, in service unprotected (ISU) until a check can tell again' {
        $since = [DateTimeOffset]::Now
        Set-TestServerFault $server @{ outage = $true }
        try {
            $results = Test-HaResource -Recover -WarningVariable warned -WarningAction SilentlyContinue
            ($results | Where-Object Tag -EQ web-dns).Outcome | Should -Be 'Unknown'
            ($results | Where-Object Tag -EQ web-dns).Recovered | Should -BeNullOrEmpty
            $warned.Message | Should -Match 'not judged'
            (Get-HaResource web-dns).State | Should -Be 'ISU'
            Test-HaResource -Quiet -WarningAction SilentlyContinue | Should -BeTrue
            Test-HaResource -AsExitCode -WarningAction SilentlyContinue | Should -Be 3
        }
        finally { Set-TestServerFault $server @{} }
        Get-HaEvent web-dns -Action recover -Since $since | Should -BeNullOrEmpty
        (Get-HaEvent web-dns -Action quickCheck -Newest 1).Outcome | Should -Be 'unknown'
        Test-HaResource -AsExitCode | Should -Be 0
        (Get-HaResource web-dns).State | Should -Be 'ISP'
    }

    It 'serves a scheduled health check: exit 0 when healthy' {
        $result = Invoke-FreshPwsh -Environment @{
            AWS_ACCESS_KEY_ID = (Get-TestCredential).AccessKey; AWS_SECRET_ACCESS_KEY = (Get-TestCredential).SecretKey; AWS_EC2_METADATA_DISABLED = 'true'
            SIOSR53_STATE_DIR = $stateDir; SIOSR53_TUNABLES = $tunables
        } -Script "Import-Module '$(Get-TestModulePath)'; exit (Test-HaResource -Recover -AsExitCode)"
        $result.ExitCode | Should -Be 0 -Because $result.Error
    }

    It 'serves a scheduled health check: exit 1 when a failure cannot be recovered' {
        Remove-Item $flag
        Set-Content $tunables ((Get-Content $tunables) + "SERVICE_COMMAND_TIMEOUT=5")
        $env:SIOSR53_STATE_DIR = $stateDir
        try {
            $result = Invoke-FreshPwsh -Environment @{ SIOSR53_STATE_DIR = $stateDir; SIOSR53_TUNABLES = $tunables; AWS_EC2_METADATA_DISABLED = 'true' } `
                -Script "Import-Module '$(Get-TestModulePath)'; exit (Test-HaResource web -AsExitCode)"
            $result.ExitCode | Should -Be 1
        }
        finally { Remove-Item Env:SIOSR53_STATE_DIR }
        (Get-HaResource web).State | Should -Be 'ISU'
        (Test-HaResource web -Recover).Recovered | Should -BeTrue
        $flag | Should -Exist
    }

    It 'goes out of service parents first and leaves the record for the next owner' {
        $stop = Stop-HaResource web-ip -Force
        $stop.Succeeded | Should -BeTrue
        $stop.Steps.Tag | Should -Be @('web', 'web-dns', 'web-ip')
        (Get-HaResource).State | Should -Be @('OSU', 'OSU', 'OSU')
        $flag | Should -Not -Exist
        (Get-ARecord).Values | Should -Be @('127.0.0.1')
        # A deliberate stop is not an alarm, but a stopped resource named in a check is not healthy.
        Test-HaResource -AsExitCode | Should -Be 0
        Test-HaResource web -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'has an event history with reasons and durations' {
        $events = Get-HaEvent web-dns
        ($events | Where-Object { $_.Action -eq 'restore' -and $_.Outcome -eq 'success' }).Duration | Should -Not -BeNullOrEmpty
        ($events | Where-Object Action -EQ 'recover').Message | Should -Match 'swapped app\.corp\.example\. from 192\.0\.2\.99 to 127\.0\.0\.1'
        (Get-HaEvent -Newest 2).Count | Should -Be 2
        { Get-HaEvent -Action failover } | Should -Not -Throw
        { Get-HaEvent -Action failovr } | Should -Throw -ExpectedMessage '*Known:*failover*'
    }

    It 'is removed, parents first, from the pipeline' {
        'web', 'web-dns', 'web-ip' | Remove-HaResource -Force
        Get-HaResource | Should -BeNullOrEmpty
    }
}

Describe 'Operator conveniences' {
    BeforeAll {
        New-HaIpResource -Tag conv-ip -Address 127.0.0.1 | Out-Null
        New-HaRoute53Resource -Tag conv-dns -RecordName conv.corp.example -HostedZoneId $zoneId -IpResource conv-ip | Out-Null
    }
    AfterAll {
        Get-HaResource conv-* | Stop-HaResource -Force | Out-Null
        'conv-dns', 'conv-ip' | Remove-HaResource -Force
    }

    It 'completes resource tags' {
        $line = "Start-HaResource -StateDirectory '$stateDir' -Tag conv-"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Be @('conv-dns', 'conv-ip')
    }

    It 'completes tunable keys' {
        $line = 'Get-HaTunable ROUTE53_CHANGE'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('ROUTE53_CHANGEID_INTERVAL', 'ROUTE53_CHANGEID_TRY_COUNT')
    }

    It 'pipes Get-HaResource into Stop-HaResource' {
        Start-HaResource conv-dns | Out-Null
        $stopped = Get-HaResource conv-dns | Stop-HaResource -Confirm:$false
        $stopped.Succeeded | Should -BeTrue
        (Get-HaResource conv-dns).State | Should -Be 'OSU'
    }

    It 'shows a progress bar during the INSYNC wait and narrates with -Verbose' {
        Set-TestServerFault $server @{ propagationDelaySeconds = 1.5 }
        Set-TestRecord $server $zoneId 'conv.corp.example.' '192.0.2.6'
        try {
            $ps = [powershell]::Create()
            $ps.AddScript("Import-Module '$(Get-TestModulePath)'; Start-HaResource conv-dns -StateDirectory '$stateDir' -TunablesPath '$tunables' -Verbose").Invoke() | Out-Null
            $ps.Streams.Error | Should -BeNullOrEmpty
            $progress = $ps.Streams.Progress | Where-Object StatusDescription -Match 'INSYNC'
            $progress | Should -Not -BeNullOrEmpty
            $progress[0].ActivityId | Should -Be 5353
            $ps.Streams.Progress | Where-Object RecordType -EQ 'Completed' | Should -Not -BeNullOrEmpty
            ($ps.Streams.Verbose.Message -join "`n") | Should -Match 'ChangeResourceRecordSets'
            ($ps.Streams.Verbose.Message -join "`n") | Should -Match 'PENDING after'
            $ps.Dispose()
        }
        finally {
            Set-TestServerFault $server @{ propagationDelaySeconds = 0.3 }
            Stop-HaResource conv-dns -Force | Out-Null
        }
    }

    It 'cancels a long INSYNC wait on Ctrl+C and leaves a true state' {
        Set-TestServerFault $server @{ propagationDelaySeconds = 600 }
        try {
            Set-TestRecord $server $zoneId 'conv.corp.example.' '192.0.2.7'
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'; Start-HaResource conv-dns -StateDirectory '$stateDir' -TunablesPath '$tunables' -Adopt")
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not ($ps.Streams.Progress | Where-Object StatusDescription -Match 'INSYNC') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $ps.Streams.Progress | Should -Not -BeNullOrEmpty -Because 'the INSYNC wait must have begun'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            { $ps.EndInvoke($async) } | Should -Throw
            $ps.Dispose()
        }
        finally { Set-TestServerFault $server @{ propagationDelaySeconds = 0.3 } }
        $dns = Get-HaResource conv-dns
        $dns.State | Should -Be 'OSF'
        $dns.Reason | Should -Match 'Cancelled'
        $dns.BusyAction | Should -BeNullOrEmpty
        (Get-HaResource conv-ip).State | Should -Be 'ISP' -Because 'it was in service before this start, so the rollback leaves it'
    }

    It 'lists tunables with their sources and ranges' {
        $ttl = Get-HaTunable ROUTE53_CHANGEID_INTERVAL
        $ttl.Value | Should -Be '1'
        $ttl.Source | Should -Be 'File'
        (Get-HaTunable ROUTE53_TTL).Source | Should -Be 'Default'
        (Get-HaTunable ROUTE53_TTL).Value | Should -Be '10'
        (Get-HaTunable ROUTE53_*).Count | Should -Be 11
    }
}

Describe 'Bad input: a clear error naming the value, nothing changed' {
    BeforeAll {
        New-HaIpResource -Tag bad-ip -Address 127.0.0.1 | Out-Null
        function Get-Revision { (Get-Content (Join-Path $stateDir 'state.json') -Raw | ConvertFrom-Json).revision }
    }
    AfterAll { Remove-HaResource bad-ip -Force -ErrorAction Ignore }

    It '<Name>' -ForEach @(
        @{ Name = 'an unknown zone'; Script = { New-HaRoute53Resource -Tag x -RecordName a.corp.example -HostedZoneId ZNOSUCHZONE -IpResource bad-ip }; Id = 'InvalidArgument'; Text = "*'ZNOSUCHZONE' was not found*" }
        @{ Name = 'a record outside the zone'; Script = { New-HaRoute53Resource -Tag x -RecordName app.elsewhere.example -ZoneName corp.example -IpResource bad-ip }; Id = 'InvalidArgument'; Text = "*'app.elsewhere.example.' is not inside hosted zone 'corp.example.'*" }
        @{ Name = 'an invalid FQDN'; Script = { New-HaRoute53Resource -Tag x -RecordName 'a..corp.example' -ZoneName corp.example -IpResource bad-ip }; Id = 'InvalidArgument'; Text = "*'a..corp.example.' is not a valid DNS name*" }
        @{ Name = 'a TTL out of range'; Script = { New-HaRoute53Resource -Tag x -RecordName a.corp.example -ZoneName corp.example -IpResource bad-ip -Ttl 100000 }; Id = 'ParameterArgumentValidationError'; Text = '*100000*' }
        @{ Name = 'an address not on this node'; Script = { New-HaIpResource -Tag y -Address 10.99.99.99 }; Id = 'InvalidArgument'; Text = '*10.99.99.99 is not configured on any interface*' }
        @{ Name = 'a duplicate tag'; Script = { New-HaIpResource -Tag BAD-IP -Address 127.0.0.1 }; Id = 'InvalidArgument'; Text = "*'bad-ip' already exists*" }
        @{ Name = 'a dependency on itself'; Script = { Add-HaDependency bad-ip bad-ip }; Id = 'InvalidArgument'; Text = '*cannot depend on itself*' }
        @{ Name = 'an unknown tag'; Script = { Start-HaResource nosuch }; Id = 'ResourceNotFound'; Text = "*No resource has tag 'nosuch'*" }
    ) {
        $before = Get-Revision
        { & $Script -ErrorAction Stop } | Should -Throw -ErrorId "$Id*" -ExpectedMessage $Text
        Get-Revision | Should -Be $before
    }

    It 'a dependency cycle' {
        New-HaServiceResource -Tag cyc-a -StartCommand true -StopCommand true -CheckCommand true | Out-Null
        New-HaServiceResource -Tag cyc-b -StartCommand true -StopCommand true -CheckCommand true -DependsOn cyc-a | Out-Null
        $before = Get-Revision
        { Add-HaDependency -Parent cyc-a -Child cyc-b -ErrorAction Stop } | Should -Throw -ExpectedMessage '*would make a cycle*'
        Get-Revision | Should -Be $before
        'cyc-b', 'cyc-a' | Remove-HaResource -Force
    }

    It 'a corrupt tunables file' {
        $bad = Join-Path $TestDrive 'bad-tunables'
        Set-Content $bad "ROUTE53_TTL=10`nROUTE53_CHANGEID_TRY_COUNT=many`n"
        { Start-HaResource bad-ip -TunablesPath $bad -ErrorAction Stop } | Should -Throw -ErrorId 'TunablesFileInvalid*' -ExpectedMessage "*line 2: ROUTE53_CHANGEID_TRY_COUNT=many*"
        (Get-HaResource bad-ip).State | Should -Be 'OSU'
        { Get-HaTunable -TunablesPath $bad -ErrorAction Stop } | Should -Throw -ErrorId 'TunablesFileInvalid*'
    }

    It 'a corrupt store' {
        $broken = Join-Path $TestDrive 'broken-state'
        New-Item -ItemType Directory $broken | Out-Null
        Set-Content (Join-Path $broken 'state.json') '{ "schema": 1, "resources": ['
        { Get-HaResource -StateDirectory $broken -ErrorAction Stop } | Should -Throw -ErrorId 'StateStoreUnusable*' -ExpectedMessage '*is corrupt*state.json.bak*'
        { New-HaIpResource -Tag z -Address 127.0.0.1 -StateDirectory $broken -ErrorAction Stop } | Should -Throw -ErrorId 'StateStoreUnusable*'
        Get-Content (Join-Path $broken 'state.json') -Raw | Should -Be "{ `"schema`": 1, `"resources`": [`n"
    }
}

Describe 'Test-HaPrerequisite' {
    It 'checks credentials, the four IAM actions, zone, record, address, clock and DNS without changing anything' {
        $before = (Get-HaRoute53Record -HostedZoneId $zoneId).Count
        $checks = Test-HaPrerequisite -ZoneName corp.example -RecordName app.corp.example -Address 127.0.0.1 -DnsServer 127.0.0.1:1
        $byName = @{}; $checks | ForEach-Object { $byName[$_.Check] = $_ }
        foreach ($c in 'Credentials', 'route53:ListHostedZones', 'route53:ListResourceRecordSets', 'route53:ChangeResourceRecordSets', 'route53:GetChange', 'Hosted zone', 'Record name', 'Address', 'Clock') {
            $byName[$c].Status | Should -Be 'Passed' -Because "$c`: $($byName[$c].Detail)"
        }
        $byName['DNS'] | Should -Not -BeNullOrEmpty
        (Get-HaRoute53Record -HostedZoneId $zoneId).Count | Should -Be $before
    }

    It 'reports a wrong address and an unknown zone as failures' {
        $checks = Test-HaPrerequisite -HostedZoneId ZNOSUCHZONE -RecordName app.corp.example -Address 10.99.99.99
        ($checks | Where-Object Check -EQ 'Hosted zone').Status | Should -Be 'Failed'
        ($checks | Where-Object Check -EQ 'Address').Status | Should -Be 'Failed'
        Test-HaPrerequisite -HostedZoneId ZNOSUCHZONE -Quiet | Should -BeFalse
    }
}
