# Changing things without rebuilding: Set-HaResource, Set-HaTunable, -Tunable on operations,
# Export-HaConfiguration / Import-HaConfiguration, on one node against the Route 53-compatible server.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Set-TestAwsEnvironment
    $server = Start-TestRoute53Server -Zone 'corp.example', 'other.example' -PropagationSeconds 0.3
    $zoneId = $server.Zones['corp.example.']
    $otherId = $server.Zones['other.example.']
    Import-Module (Get-TestModulePath) -Force

    $stateDir = Join-Path $TestDrive 'state'
    $tunables = Join-Path $TestDrive 'SiosRoute53'
    Set-Content $tunables "# test settings`nROUTE53_RECORD_INTERVAL=1`nROUTE53_CHANGEID_INTERVAL=1 # fast`nROUTE53_CHANGEID_TRY_COUNT=10`n#ROUTE53_TTL=10"
    $flag = Join-Path $TestDrive 'web.running'
    $PSDefaultParameterValues = @{
        '*-Ha*:StateDirectory' = $stateDir
        '*-Ha*:TunablesPath'   = $tunables
        '*-Ha*:EndpointUrl'    = $server.Endpoint
    }
    New-HaIpResource -Tag web-ip -Address 127.0.0.1 | Out-Null
    New-HaRoute53Resource -Tag web-dns -RecordName app.corp.example -ZoneName corp.example -IpResource web-ip -EndpointUrl $server.Endpoint | Out-Null
    New-HaServiceResource -Tag web -StartCommand "touch '$flag'" -StopCommand "rm -f '$flag'" -CheckCommand "test -f '$flag'" -DependsOn web-dns | Out-Null
}

AfterAll {
    Stop-TestRoute53Server $server
    Remove-Module SiosRoute53 -ErrorAction Ignore
}

Describe 'Set-HaResource' {
    It 'shows a change with -WhatIf and changes nothing' {
        $before = Get-Content (Join-Path $stateDir 'state.json') -Raw
        Set-HaResource web-dns -Ttl 30 -WhatIf
        Get-Content (Join-Path $stateDir 'state.json') -Raw | Should -Be $before
    }

    It 'changes the TTL while in service, says when it takes effect, and the next start writes it' {
        (Start-HaResource web).Succeeded | Should -BeTrue
        $change = Set-HaResource web-dns -Ttl 30
        $change.Setting | Should -Be 'Ttl'
        $change.NewValue | Should -Be '30'
        $change.TakesEffect | Should -Match 'when the record is next written'
        (Get-HaResource web-dns).Settings['Ttl'] | Should -Be '30'
        (Get-HaEvent web-dns -Action update -Newest 1).Message | Should -Match 'Ttl \(ROUTE53_TTL\) → 30'
        Stop-HaResource web-ip -Force | Out-Null
        Start-HaResource web | Out-Null
        (Get-HaRoute53Record -HostedZoneId $zoneId -Name app.corp.example -Type A).Ttl | Should -Be 30
    }

    It 'refuses a zone or record change while in service, with the reason and the way, and changes nothing' {
        $revision = (Get-Content (Join-Path $stateDir 'state.json') | ConvertFrom-Json).configRevision
        Set-HaResource web-dns -RecordName app2.corp.example -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        $refused[0].Exception.Message | Should -Match "'web-dns' is in service on '.+'.*Stop-HaResource web-dns.*Start-HaResource web"
        (Get-Content (Join-Path $stateDir 'state.json') | ConvertFrom-Json).configRevision | Should -Be $revision
    }

    It 'moves the record to another zone once out of service (a recreated zone), looked up by name' {
        Stop-HaResource web-dns -Force | Out-Null
        $changes = Set-HaResource web-dns -ZoneName other.example -RecordName app.other.example
        $changes.Setting | Should -Be @('HostedZone', 'RecordName')
        (Get-HaResource web-dns).Detail | Should -Be "app.other.example. A in other.example. ($otherId)"
        (Start-HaResource web).Succeeded | Should -BeTrue
        (Get-HaRoute53Record -HostedZoneId $otherId -Name app.other.example -Type A).Values | Should -Be @('127.0.0.1')
    }

    It 'changes a service command while in service and a priority, with -PassThru writing the resources' {
        $out = Set-HaResource web -CheckCommand "test -e '$flag'" -PassThru
        $out.Tag | Should -Be 'web'
        $out.Settings['CheckCommand'] | Should -Be "test -e '$flag'"
        (Test-HaResource web).Outcome | Should -Be 'Healthy'
        (Set-HaResource web -Priority 5).Tag | Should -Be @('web', 'web-dns', 'web-ip')
        (Get-HaResource).Priority | Should -Be @(5, 5, 5)
    }

    It 'refuses a setting of another kind naming it' {
        { Set-HaResource web -RecordName x.corp.example -ErrorAction Stop } | Should -Throw '-RecordName is a setting of route53 resources*'
    }
}

Describe 'One record, one resource' {
    It 'refuses a second route53 resource for a record already managed' {
        { New-HaRoute53Resource -Tag dns2 -RecordName APP.other.example -ZoneName other.example -IpResource web-ip -ErrorAction Stop } |
            Should -Throw "*already managed by route53 resource 'web-dns'*"
        Get-HaResource | Where-Object Tag -EQ dns2 | Should -BeNullOrEmpty
    }
}

Describe '-Tunable on an operation' {
    It 'overrides the file for one call, and Get-HaTunable shows the source' {
        $value = Get-HaTunable ROUTE53_CHANGEID_TRY_COUNT -Tunable @{ route53_changeid_try_count = 7 }
        $value.Value | Should -Be '7'
        $value.Source | Should -Be 'Parameter'
        (Get-HaTunable ROUTE53_CHANGEID_TRY_COUNT).Source | Should -Be 'File'
    }

    It 'refuses an unknown key or a value out of range before it changes anything' {
        { Stop-HaResource web -Force -Tunable @{ ROUTE53_CHANGE_TRY_COUNT = 7 } -ErrorAction Stop } | Should -Throw '*did you mean ROUTE53_CHANGEID_TRY_COUNT?*'
        { Test-HaResource -Tunable @{ LCMNUMHBEATS = 1 } -ErrorAction Stop } | Should -Throw '*LCMNUMHBEATS=1: 1 is outside 2–100*'
        (Get-HaResource web).State | Should -Be 'ISP'
    }

    It 'is what the operation uses: the INSYNC budget it follows the change with' {
        Stop-HaResource web-dns -Force | Out-Null
        Set-HaResource web-dns -RecordName app3.other.example | Out-Null
        $lines = Start-HaResource web -Tunable @{ ROUTE53_CHANGEID_INTERVAL = 1; ROUTE53_CHANGEID_TRY_COUNT = 3 } -Verbose 4>&1
        $verbose = ($lines | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $verbose -match 'following it to INSYNC \(budget 3 s\)' | Should -Not -BeNullOrEmpty
        ($lines | Where-Object { $_.PSObject.Properties['Succeeded'] }).Succeeded | Should -BeTrue
    }

    It 'completes tunable keys inside the hashtable' {
        $line = 'Start-HaResource web -Tunable @{ ROUTE53_CHANGEID_T'
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.ListItemText | Should -Contain 'ROUTE53_CHANGEID_TRY_COUNT'
    }
}

Describe 'Set-HaTunable' {
    It 'changes a value in place, keeps the comments, and puts a commented-out key below its comment' {
        $edits = Set-HaTunable -Tunable @{ ROUTE53_CHANGEID_INTERVAL = 2; ROUTE53_TTL = 15 }
        $edits.Key | Sort-Object | Should -Be @('ROUTE53_CHANGEID_INTERVAL', 'ROUTE53_TTL')
        Get-Content $tunables | Should -Be @('# test settings', 'ROUTE53_RECORD_INTERVAL=1', 'ROUTE53_CHANGEID_INTERVAL=2 # fast',
            'ROUTE53_CHANGEID_TRY_COUNT=10', '#ROUTE53_TTL=10', 'ROUTE53_TTL=15')
        (Get-HaTunable ROUTE53_TTL).Value | Should -Be '15'
    }

    It 'returns a key to its default and refuses a bad value without touching the file' {
        Set-HaTunable ROUTE53_TTL -Default | Out-Null
        (Get-HaTunable ROUTE53_TTL).Source | Should -Be 'Default'
        $before = Get-Content $tunables -Raw
        { Set-HaTunable ROUTE53_TTL -1 -ErrorAction Stop } | Should -Throw 'ROUTE53_TTL=-1: -1 is outside*'
        Get-Content $tunables -Raw | Should -Be $before
    }

    It 'warns about a misspelt key with file, line and the key meant' {
        Add-Content $tunables 'route53_ttl=30'
        Get-HaTunable ROUTE53_TTL -WarningVariable warned -WarningAction SilentlyContinue | Out-Null
        $warned.Message | Should -Be "$tunables line 6: 'route53_ttl' is not a tunable and is ignored; did you mean ROUTE53_TTL? (Keys are upper case; Get-HaTunable lists them.)"
        Set-Content $tunables (Get-Content $tunables | Where-Object { $_ -ne 'route53_ttl=30' })
    }
}

Describe 'Export-HaConfiguration and Import-HaConfiguration' {
    It 'exports definitions as JSON without states or credentials' {
        $json = Export-HaConfiguration
        $doc = $json | ConvertFrom-Json
        $doc.format | Should -Be 'SiosRoute53.Configuration'
        $doc.resources.tag | Should -Be @('web-ip', 'web-dns', 'web')
        $json | Should -Not -Match (Get-TestCredential).SecretKey
        $doc.PSObject.Properties.Name | Should -Not -Contain 'states'
        $doc.PSObject.Properties.Name | Should -Not -Contain 'members'
    }

    It 'writes a root-only file, and refuses to overwrite it without -Force' {
        $file = Join-Path $TestDrive 'config.json'
        (Export-HaConfiguration -Path $file).FullName | Should -Be $file
        (Get-Item $file).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        { Export-HaConfiguration -Path $file -ErrorAction Stop } | Should -Throw '*exists*-Force*'
    }

    It 'refuses to import what exists, naming every conflict, and changes nothing' {
        $before = Get-Content (Join-Path $stateDir 'state.json') -Raw
        { Import-HaConfiguration (Join-Path $TestDrive 'config.json') -ErrorAction Stop } | Should -Throw "Nothing was imported: tag 'web-ip' already exists here (Ip); tag 'web-dns' already exists here (Route53); tag 'web' already exists here (Service).*"
        Get-Content (Join-Path $stateDir 'state.json') -Raw | Should -Be $before
    }

    It 'refuses a clone that keeps the record: one record, one resource' {
        $sameRecord = (Export-HaConfiguration web) -replace '"web', '"web2'
        { $sameRecord | Import-HaConfiguration -ErrorAction Stop } | Should -Throw "*is already managed by route53 resource 'web-dns'*"
    }

    It 'clones a hierarchy under new tags and a new record: -WhatIf first, then for real' {
        $clone = (Export-HaConfiguration web) -replace '"web', '"web2' -replace 'app3\.other\.example\.', 'app4.other.example.'
        $clone | Import-HaConfiguration -WhatIf
        Get-HaResource | Where-Object Tag -Like 'web2*' | Should -BeNullOrEmpty
        $created = $clone | Import-HaConfiguration
        $created.Tag | Should -Be @('web2-ip', 'web2-dns', 'web2')
        $created.State | Should -Be @('OSU', 'OSU', 'OSU')
        (Get-HaResource web2-dns).Detail | Should -Be "app4.other.example. A in other.example. ($otherId)"
        (Get-HaResource web2).Children | Should -Be @('web2-dns')
    }
}
