BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $modulePath = Get-TestModulePath
    Set-TestAwsEnvironment
    $server = Start-TestRoute53Server -Zone 'corp.example', 'other.example' -Role 'arn:aws:iam::123456789012:role/siosroute53:ext-7'
    Import-Module $modulePath -Force
}

AfterAll {
    Stop-TestRoute53Server $server
    Remove-Module SiosRoute53 -ErrorAction Ignore
}

Describe 'The module' {
    It 'exports exactly the cmdlets its manifest lists' {
        $manifest = Import-PowerShellDataFile $modulePath
        $exported = (Get-Command -Module SiosRoute53 -CommandType Cmdlet).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'loads its AWSSDK into its own load context, not the default one' {
        $cmd = Get-Command Get-HaRoute53Zone
        $alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmd.ImplementingType.Assembly)
        $alc.Name | Should -Be 'SiosRoute53'
        [AppDomain]::CurrentDomain.GetAssemblies() |
            Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' -and [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name -eq 'Default' } |
            Should -BeNullOrEmpty
    }
}

Describe 'Get-HaRoute53Zone' {
    It 'lists every zone the credentials can see' {
        $zones = Get-HaRoute53Zone -EndpointUrl $server.Endpoint
        $zones.Name | Should -Be @('corp.example.', 'other.example.')
        $zones[0].ShortId | Should -Be $server.Zones['corp.example.']
    }

    It 'gets a zone by id, with or without the /hostedzone/ prefix, from the pipeline' {
        $id = $server.Zones['corp.example.']
        $byId = [pscustomobject]@{ HostedZoneId = "/hostedzone/$id" }, [pscustomobject]@{ HostedZoneId = $id } |
            Get-HaRoute53Zone -EndpointUrl $server.Endpoint
        $byId.Count | Should -Be 2
        $byId.Name | Should -Be @('corp.example.', 'corp.example.')
    }

    It 'finds a zone by name, with or without the final dot' {
        (Get-HaRoute53Zone other.example -EndpointUrl $server.Endpoint).ShortId | Should -Be $server.Zones['other.example.']
    }

    It 'writes a non-terminating HostedZoneNotFound error naming an unknown zone and goes on' {
        $found = Get-HaRoute53Zone -HostedZoneId 'ZNOSUCHZONE', $server.Zones['corp.example.'] -EndpointUrl $server.Endpoint -ErrorVariable err -ErrorAction SilentlyContinue
        $found.Name | Should -Be 'corp.example.'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'HostedZoneNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Message | Should -Match 'ZNOSUCHZONE'
    }

    It 'says where the credentials came from with -Verbose, never the secret' {
        $verbose = Get-HaRoute53Zone -EndpointUrl $server.Endpoint -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'default credential chain'
        ($verbose.Message -join "`n") | Should -Match 'ListHostedZones'
        ($verbose.Message -join "`n") | Should -Not -Match ([regex]::Escape((Get-TestCredential).SecretKey))
    }

    It 'fails with AccessDenied-class errors when the keys are wrong, without showing them' {
        $env:AWS_SECRET_ACCESS_KEY = 'wrong-secret-value'
        try {
            { Get-HaRoute53Zone -EndpointUrl $server.Endpoint -ErrorAction Stop } | Should -Throw -ErrorId 'SignatureDoesNotMatch*'
            $Error[0].ToString() | Should -Not -Match 'wrong-secret-value'
        }
        finally { Set-TestAwsEnvironment }
    }

    It 'refuses an unknown profile with a message that says what to do' {
        $file = Join-Path $TestDrive 'empty-credentials'
        "[other]`naws_access_key_id = x`naws_secret_access_key = y`n" | Set-Content $file
        { Get-HaRoute53Zone -EndpointUrl $server.Endpoint -ProfileName 'no-such-profile' -ProfileLocation $file -ErrorAction Stop } |
            Should -Throw -ErrorId 'AwsCredentials*' -ExpectedMessage "*'no-such-profile'*"
        { Get-HaRoute53Zone -EndpointUrl $server.Endpoint -ProfileName 'lab' -ProfileLocation (Join-Path $TestDrive 'missing') -ErrorAction Stop } |
            Should -Throw -ErrorId 'AwsCredentials*' -ExpectedMessage '*does not exist*'
    }

    It 'uses a named profile from the shared credentials file' {
        $file = Join-Path $TestDrive 'credentials'
        $cred = Get-TestCredential
        "[lab]`naws_access_key_id = $($cred.AccessKey)`naws_secret_access_key = $($cred.SecretKey)`n" | Set-Content $file
        Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY
        try {
            (Get-HaRoute53Zone -EndpointUrl $server.Endpoint -ProfileName lab -ProfileLocation $file).Count | Should -Be 2
        }
        finally { Set-TestAwsEnvironment }
    }
}

Describe 'Assuming a role' {
    It 'lists zones with the keys of an assumed role (-RoleArn, -ExternalId)' {
        $env:AWS_ENDPOINT_URL_STS = $server.Endpoint
        try {
            $zones = Get-HaRoute53Zone -EndpointUrl $server.Endpoint -RoleArn 'arn:aws:iam::123456789012:role/siosroute53' -ExternalId 'ext-7' -Verbose 4>&1
            ($zones | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 2
            ($zones | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match "assuming role 'arn:aws:iam::123456789012:role/siosroute53'"
        }
        finally { Remove-Item Env:AWS_ENDPOINT_URL_STS }
    }

    It 'refuses a malformed role ARN before calling anything' {
        { Get-HaRoute53Zone -EndpointUrl $server.Endpoint -RoleArn 'siosroute53' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Get-HaRoute53Record' {
    It 'reads the apex records of a zone' {
        $records = Get-HaRoute53Record -HostedZoneId $server.Zones['corp.example.'] -EndpointUrl $server.Endpoint
        ($records.Type | Sort-Object) | Should -Be @('NS', 'SOA')
    }

    It 'takes the zone from Get-HaRoute53Zone on the pipeline' {
        $records = Get-HaRoute53Zone corp.example -EndpointUrl $server.Endpoint | Get-HaRoute53Record -Name corp.example -Type SOA -EndpointUrl $server.Endpoint
        $records.Type | Should -Be 'SOA'
        $records.Ttl | Should -Be 900
    }

    It 'rejects -Type without -RecordName before calling Route 53' {
        { Get-HaRoute53Record -HostedZoneId $server.Zones['corp.example.'] -Type A -EndpointUrl $server.Endpoint -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*-Type needs -RecordName*'
    }

    It 'shows a readable table' {
        $table = Get-HaRoute53Record -HostedZoneId $server.Zones['corp.example.'] -EndpointUrl $server.Endpoint | Format-Table | Out-String
        $table | Should -Match 'Name\s+Type\s+TTL\s+Values'
        $table | Should -Match 'corp\.example\.\s+NS\s+172800\s+ns-1'
    }

    It 'retries through a throttling storm and reports it with -Verbose' {
        Set-TestServerFault $server @{ throttleNextRequests = 2 }
        $out = Get-HaRoute53Record -HostedZoneId $server.Zones['corp.example.'] -EndpointUrl $server.Endpoint -Verbose 4>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'Throttling on attempt 1'
        ($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 2
    }
}

Describe 'Dependency isolation' {
    It 'imports and works in a session that already loaded another AWSSDK.Core version' {
        $packages = $env:NUGET_PACKAGES
        if (-not $packages) { $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim() }
        $oldCore = Join-Path $packages 'awssdk.core/3.7.402/lib/netcoreapp3.1/AWSSDK.Core.dll'
        $oldCore | Should -Exist
        $cred = Get-TestCredential
        $result = Invoke-FreshPwsh -Environment @{
            AWS_ACCESS_KEY_ID = $cred.AccessKey; AWS_SECRET_ACCESS_KEY = $cred.SecretKey; AWS_EC2_METADATA_DISABLED = 'true'
        } -Script @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$oldCore'
'preloaded=' + [Amazon.Runtime.AWSCredentials].Assembly.GetName().Version
Import-Module '$modulePath'
'zones=' + (Get-HaRoute53Zone -EndpointUrl '$($server.Endpoint)').Count
'default=' + [Amazon.Runtime.AWSCredentials].Assembly.GetName().Version
"@
        $result.Error | Should -BeNullOrEmpty
        $result.Output | Should -Contain 'preloaded=3.3.0.0'
        $result.Output | Should -Contain 'zones=2'
        $result.Output | Should -Contain 'default=3.3.0.0'
        $result.ExitCode | Should -Be 0
    }
}
