# What an operator coming from LifeKeeper or Pacemaker expects of the cmdlets: the names asked for, -Force that only
# means "do not ask", -Adopt for a record this cluster does not own, objects from another node refused, a state
# directory that cannot be written diagnosed at once, progress that says what it waits on, JSON with enum names.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Set-TestAwsEnvironment
    $server = Start-TestRoute53Server -Zone 'corp.example' -PropagationSeconds 0.3
    $zoneId = $server.Zones['corp.example.']
    Import-Module (Get-TestModulePath) -Force

    $stateDir = Join-Path $TestDrive 'state'
    $tunables = Join-Path $TestDrive 'SiosRoute53'
    Set-Content $tunables "ROUTE53_RECORD_INTERVAL=1`nROUTE53_CHANGEID_INTERVAL=1`nROUTE53_CHANGEID_TRY_COUNT=10`nROUTE53_RECORDCHECK_INTERVAL=1`nROUTE53_RECORDCHECK_TRY_COUNT=2`n"
    # Not in TestDrive: Pester empties it of what a Describe block created when the block ends, and the service runs on.
    $flag = Join-Path ([System.IO.Path]::GetTempPath()) "siosr53-conventions-$PID-web.running"
    $PSDefaultParameterValues = @{
        '*-Ha*:StateDirectory' = $stateDir
        '*-Ha*:TunablesPath'   = $tunables
        '*-Ha*:EndpointUrl'    = $server.Endpoint
    }
    New-HaIpResource -Tag web-ip -Address 127.0.0.1 | Out-Null
    New-Route53Resource -Tag web-dns -RecordName app.corp.example -ZoneName corp.example -IpResource web-ip -EndpointUrl $server.Endpoint | Out-Null
    New-HaServiceResource -Tag web -StartCommand "touch '$flag'" -StopCommand "rm -f '$flag'" -CheckCommand "test -f '$flag'" -DependsOn web-dns | Out-Null

    function Get-ARecord { Get-HaRoute53Record -HostedZoneId $zoneId -RecordName app.corp.example -Type A }

    # The object Get-HaResource -AllNodes writes for another node's resource: the same view, another node.
    function Get-ResourceOfNode([string] $Tag, [string] $Node) {
        $r = Get-HaResource $Tag
        $r.GetType().GetProperty('Node').SetValue($r, $Node)
        $r
    }
}

AfterAll {
    Remove-Item $flag -ErrorAction Ignore
    Stop-TestRoute53Server $server
    Remove-Module SiosRoute53 -ErrorAction Ignore
}

Describe 'The names operators ask for' {
    It 'has New-Route53Resource, Start-HaResource, Test-HaResource and Invoke-Switchover' {
        foreach ($name in 'New-Route53Resource', 'Start-HaResource', 'Test-HaResource', 'Invoke-Switchover') {
            Get-Command $name -Module SiosRoute53 | Should -Not -BeNullOrEmpty -Because "$name is a name users ask for"
        }
        (Get-Command New-Route53Resource).ResolvedCommand.Name | Should -Be 'New-HaRoute53Resource'
    }

    It 'finds the alias New-Route53Resource in a fresh session before the module is imported' {
        $run = Invoke-FreshPwsh -Script "`$env:PSModulePath = '$(Split-Path (Split-Path (Get-TestModulePath)))' + [IO.Path]::PathSeparator + `$env:PSModulePath; (Get-Command New-Route53Resource).ResolvedCommand.Name"
        $run.Output | Should -Contain 'New-HaRoute53Resource'
    }

    It 'uses one parameter name per concept, with the others as aliases' {
        $expected = @{
            'Get-HaRoute53Zone'     = @{ ZoneName = 'Name'; HostedZoneId = 'ZoneId' }
            'Get-HaRoute53Record'   = @{ RecordName = 'Name'; HostedZoneId = 'ZoneId' }
            'New-HaRoute53Resource' = @{ HostedZoneId = 'ZoneId' }
            'Expand-HaResource'     = @{ NodeName = 'Node' }
            'Add-HaNode'            = @{ NodeName = 'Name' }
            'Remove-HaNode'         = @{ NodeName = 'Name' }
            'Get-HaNode'            = @{ NodeName = 'Name' }
        }
        foreach ($command in $expected.Keys) {
            foreach ($name in $expected[$command].Keys) {
                $parameter = (Get-Command $command).Parameters[$name]
                $parameter | Should -Not -BeNullOrEmpty -Because "$command names this -$name"
                $parameter.Aliases | Should -Contain $expected[$command][$name]
            }
        }
    }

    It 'answers to the aliases: a zone by -Name, a record by -Name, a zone id by -ZoneId' {
        (Get-HaRoute53Zone -Name corp.example).ShortId | Should -Be $zoneId
        (Get-HaRoute53Record -ZoneId $zoneId -Name corp.example -Type SOA).Type | Should -Be 'SOA'
    }
}

Describe '-Force means "do not ask"; -Adopt takes over a record this cluster does not own' {
    BeforeAll {
        Set-TestRecord -Server $server -ZoneId $zoneId -Name app.corp.example -Address 192.0.2.7
    }

    It 'refuses a record set by hand with -Force, says to use -Adopt and changes nothing' {
        $result = Start-HaResource web-dns -Force -ErrorVariable failed -ErrorAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        $failed[0].FullyQualifiedErrorId | Should -Match '^ResourceStartFailed'
        $result.Message | Should -Match 'Start-HaResource -Adopt'
        (Get-ARecord).Values | Should -Be @('192.0.2.7')
    }

    It 'adopts the record with -Adopt' {
        (Start-HaResource web-dns -Adopt).Succeeded | Should -BeTrue
        (Get-ARecord).Values | Should -Be @('127.0.0.1')
    }

    It 'does not ask with -Force where $ConfirmPreference would ask, and asks without it' {
        $script = @"
`$env:AWS_ACCESS_KEY_ID = '$((Get-TestCredential).AccessKey)'; `$env:AWS_SECRET_ACCESS_KEY = '$((Get-TestCredential).SecretKey)'
Import-Module '$(Get-TestModulePath)'
`$ConfirmPreference = 'Low'
try { Start-HaResource web -StateDirectory '$stateDir' -TunablesPath '$tunables' -ErrorAction Stop | Out-Null; 'started without -Force' } catch { 'asked: ' + `$_.FullyQualifiedErrorId }
(Start-HaResource web -Force -StateDirectory '$stateDir' -TunablesPath '$tunables').Succeeded
"@
        $run = Invoke-FreshPwsh -Script $script
        $run.Output[0] | Should -Match '^asked: ' -Because 'a non-interactive session cannot answer the prompt'
        $run.Output[1] | Should -Be 'True'
        (Get-HaResource web).State | Should -Be 'ISP'
    }
}

Describe 'Objects from another node are refused, never applied here' {
    It 'does not stop this node''s resource for an object node2 reported (Get-HaResource -AllNodes | Where Node -eq node2)' {
        (Get-HaResource web).State | Should -Be 'ISP'
        Get-ResourceOfNode web node2 | Stop-HaResource -Force -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -Match '^ResourceOnOtherNode'
        $refused[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $refused[0].Exception.Message | Should -Match "node 'node2'.*acts on this node only"
        (Get-HaResource web).State | Should -Be 'ISP'
        Test-Path $flag | Should -BeTrue
    }

    It 'refuses it for Start-, Test- and Remove-HaResource too, and does nothing' {
        Stop-HaResource web -Force | Out-Null
        Get-ResourceOfNode web node2 | Start-HaResource -Force -ErrorVariable started -ErrorAction SilentlyContinue
        $started[0].FullyQualifiedErrorId | Should -Match '^ResourceOnOtherNode'
        (Get-HaResource web).State | Should -Be 'OSU'

        $code = Get-ResourceOfNode web-dns node2 | Test-HaResource -AsExitCode -ErrorVariable tested -ErrorAction SilentlyContinue
        $tested[0].FullyQualifiedErrorId | Should -Match '^ResourceOnOtherNode'
        $code | Should -Be 1 -Because 'a check that checked nothing is not healthy'

        Get-ResourceOfNode web node2 | Remove-HaResource -Force -ErrorVariable removed -ErrorAction SilentlyContinue
        $removed[0].FullyQualifiedErrorId | Should -Match '^ResourceOnOtherNode'
        (Get-HaResource).Tag | Should -Contain 'web'
    }

    It 'acts on this node''s own objects from the pipeline' {
        Get-HaResource web | Start-HaResource -Force | ForEach-Object Succeeded | Should -BeTrue
        (Get-HaResource web).State | Should -Be 'ISP'
        (Get-HaResource web-dns | Test-HaResource).Outcome | Should -Be 'Healthy'
    }
}

Describe 'A state directory that cannot be written' {
    It 'is diagnosed at once as read-only, naming the directory, and nothing changes' {
        $dir = Join-Path $TestDrive 'readonly-state'
        New-Item -ItemType Directory $dir | Out-Null
        $dir = (Resolve-Path $dir).Path
        New-HaIpResource -Tag ro-ip -Address 127.0.0.1 -StateDirectory $dir | Out-Null
        $script = "Import-Module '$(Get-TestModulePath)'; try { New-HaIpResource -Tag other-ip -Address 127.0.0.1 -StateDirectory '$dir' -ErrorAction Stop | Out-Null; 'written' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }; (Get-HaResource -StateDirectory '$dir').Tag -join ','"
        if ([System.Environment]::UserName -eq 'root' -and (Get-Command unshare -ErrorAction Ignore)) {
            # Root writes through any mode bits: a read-only bind mount in a mount namespace of its own.
            $inner = "mount --bind '$dir' '$dir' >/dev/null 2>&1 && mount -o remount,ro,bind '$dir' >/dev/null 2>&1 && exec dotnet '$(Join-Path $PSHOME 'pwsh.dll')' -NoProfile -NonInteractive -Command -"
            $psi = [System.Diagnostics.ProcessStartInfo]::new('unshare')
            foreach ($a in '--mount', '--propagation', 'private', 'sh', '-c', $inner) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
            $psi.Environment['NO_COLOR'] = '1'
            $p = [System.Diagnostics.Process]::Start($psi)
            $p.StandardInput.WriteLine($script); $p.StandardInput.Close()
            $out = $p.StandardOutput.ReadToEndAsync()
            $p.WaitForExit(120000) | Should -BeTrue
            $lines = $out.Result -split "`r?`n" | Where-Object { $_ }
        }
        else {
            (Get-Item $dir).UnixFileMode = 'UserRead, UserExecute'
            try { $lines = (Invoke-FreshPwsh -Script $script).Output }
            finally { (Get-Item $dir).UnixFileMode = 'UserRead, UserWrite, UserExecute' }
        }
        $lines[0] | Should -Match '^StateDirectoryNotWritable'
        $lines[1] | Should -Match ([regex]::Escape($dir))
        $lines[1] | Should -Match 'read-only|not writable'
        $lines[1] | Should -Not -Match 'another SiosRoute53 process'
        $lines[-1] | Should -Be 'ro-ip'
    }

    It 'says that a missing state directory is missing, instead of "no such resource"' {
        $missing = Join-Path $TestDrive 'no-such-state'
        $e = $null
        try { Start-HaResource web -StateDirectory $missing } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -Match '^StateDirectoryNotFound'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -Match ([regex]::Escape($missing))
        Test-Path $missing | Should -BeFalse -Because 'a start must not create an empty state where none was'
    }
}

Describe 'Progress of a start' {
    It 'names the record and the phase, and counts the INSYNC wait against its budget every second' {
        Stop-HaResource web-ip -Force | Out-Null
        Set-TestRecord -Server $server -ZoneId $zoneId -Name app.corp.example -Address 192.0.2.8   # so the start changes it
        Set-TestServerFault $server @{ propagationDelaySeconds = 3 }
        try {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'; Start-HaResource web -StateDirectory '$stateDir' -TunablesPath '$tunables'")
            $result = $ps.Invoke()
        }
        finally { Set-TestServerFault $server @{ propagationDelaySeconds = 0.3 } }
        $result.Succeeded | Should -BeTrue
        $waits = $ps.Streams.Progress | Where-Object { $_.StatusDescription -match 'waiting for change \S+ to reach INSYNC' }
        $waits | Should -Not -BeNullOrEmpty
        $waits[0].Activity | Should -Match "'web-dns': app\.corp\.example\. → 127\.0\.0\.1"
        $seconds = $waits | ForEach-Object { if ($_.StatusDescription -match ', (\d+) s of 10 s$') { [int] $Matches[1] } } | Sort-Object -Unique
        $seconds | Should -Contain 1
        $seconds | Should -Contain 2 -Because 'the count goes on every second during a 3 s wait'
        ($ps.Streams.Progress | Where-Object StatusDescription -Match '^reading the record') | Should -Not -BeNullOrEmpty
        $ps.Streams.Progress[-1].RecordType | Should -Be 'Completed'
        $ps.Dispose()
    }
}

Describe 'JSON of every output object' {
    It 'gives enum names, never numbers, for every enum property of every output type' {
        $types = [System.Collections.Generic.HashSet[type]]::new()
        $pending = [System.Collections.Generic.Queue[type]]::new()
        foreach ($t in (Get-Command -Module SiosRoute53 -CommandType Cmdlet).OutputType.Type) { if ($t) { $pending.Enqueue($t) } }
        $enums = [System.Collections.Generic.HashSet[type]]::new()
        while ($pending.Count) {
            $t = $pending.Dequeue()
            if (-not $types.Add($t) -or $t.Assembly.GetName().Name -notlike 'SiosRoute53*') { continue }
            foreach ($p in $t.GetProperties()) {
                $pt = [Nullable]::GetUnderlyingType($p.PropertyType) ?? $p.PropertyType
                $inner = @($pt) + $pt.GetGenericArguments() + @($pt.GetElementType() | Where-Object { $_ })
                foreach ($i in $inner) { if ($i.IsEnum) { [void]$enums.Add($i) } elseif ($i.Assembly.GetName().Name -like 'SiosRoute53*') { $pending.Enqueue($i) } }
            }
        }
        $enums.Count | Should -BeGreaterThan 3
        foreach ($e in $enums) {
            $value = [Enum]::GetValues($e)[0]
            ([pscustomobject]@{ V = $value } | ConvertTo-Json -Compress) | Should -Be "{`"V`":`"$value`"}" -Because "$($e.FullName) must serialise by name"
        }
    }

    It 'writes Get-HaResource, Test-HaResource and Get-HaTunable with names' {
        $resource = Get-HaResource web-dns | ConvertTo-Json | ConvertFrom-Json
        $resource.Kind | Should -Be 'Route53'
        $resource.State | Should -Be 'ISP'
        (Test-HaResource web-dns | ConvertTo-Json | ConvertFrom-Json).Outcome | Should -Be 'Healthy'
        (Get-HaTunable ROUTE53_TTL | ConvertTo-Json | ConvertFrom-Json).Source | Should -Be 'Default'
    }
}
