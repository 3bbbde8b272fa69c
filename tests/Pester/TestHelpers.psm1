# Shared helpers for the Pester suite: the built module's path, a Route 53-compatible server process, a fresh pwsh.

$script:AccessKey = 'AKIDPESTERSIOSR53'
$script:SecretKey = 'pester/secret/NeverToBeSeenInOutput0'

function Get-TestModulePath {
    if (-not $env:SIOSR53_TEST_MODULE) { throw 'SIOSR53_TEST_MODULE is not set: run the suite through ./build.ps1 -Task Test.' }
    Join-Path $env:SIOSR53_TEST_MODULE 'SiosRoute53.psd1'
}

function Get-TestCredential {
    [pscustomobject]@{ AccessKey = $script:AccessKey; SecretKey = $script:SecretKey }
}

function Set-TestAwsEnvironment {
    # The default credential chain finds these first; instance metadata is never asked.
    $env:AWS_ACCESS_KEY_ID = $script:AccessKey
    $env:AWS_SECRET_ACCESS_KEY = $script:SecretKey
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    Remove-Item Env:AWS_SESSION_TOKEN, Env:AWS_PROFILE -ErrorAction Ignore
}

function Start-TestRoute53Server {
    <# Starts the server on a free loopback port with the given zones; returns its endpoint and zone ids. #>
    param(
        [string[]] $Zone = @('corp.example'),
        [double] $PropagationSeconds = 0.3,
        [double] $Rate = 0,
        [string] $ListenAddress = '127.0.0.1',
        [string] $DnsEndpoint,
        [string[]] $Role = @()
    )
    $dll = Join-Path $env:SIOSR53_TEST_SERVER 'SiosRoute53.Route53Server.dll'
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($dll)
    foreach ($a in @('--listen', "${ListenAddress}:0", '--propagation', "$PropagationSeconds", '--rate', "$Rate")) { $psi.ArgumentList.Add($a) }
    if ($DnsEndpoint) { $psi.ArgumentList.Add('--dns'); $psi.ArgumentList.Add($DnsEndpoint) }
    foreach ($z in $Zone) { $psi.ArgumentList.Add('--zone'); $psi.ArgumentList.Add($z) }
    foreach ($r in $Role) { $psi.ArgumentList.Add('--role'); $psi.ArgumentList.Add($r) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['SIOSR53_ACCESS_KEY_ID'] = $script:AccessKey
    $psi.Environment['SIOSR53_SECRET_ACCESS_KEY'] = $script:SecretKey
    $psi.Environment['SIOSR53_CONTROL_TOKEN'] = 'pester-control'
    $process = [System.Diagnostics.Process]::Start($psi)
    $zones = @{}
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        $read = $process.StandardOutput.ReadLineAsync()
        if (-not $read.Wait([Math]::Max(1, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)) -or $null -eq $read.Result) {
            $process.Kill($true)
            throw "The Route 53-compatible server did not start: $($process.StandardError.ReadToEnd())"
        }
        $line = $read.Result
        if ($line -match '^zone (\S+) (\S+)$') { $zones[$Matches[1]] = $Matches[2] }
        if ($line -match '^listening (\S+)') { $endpoint = $Matches[1].TrimEnd('/'); break }
    }
    [pscustomobject]@{ Process = $process; Endpoint = $endpoint; Zones = $zones; ControlToken = 'pester-control' }
}

function Stop-TestRoute53Server {
    param($Server)
    if ($Server -and -not $Server.Process.HasExited) {
        $Server.Process.Kill($true)
        $Server.Process.WaitForExit(10000) | Out-Null
    }
}

function Set-TestServerFault {
    <# Changes the server's faults at run time through its control endpoint. #>
    param($Server, [hashtable] $Fault)
    $doc = @{ requestsPerSecond = 0; throttleNextRequests = 0; priorRequestWindowSeconds = 0; latencyMilliseconds = 0
        serverErrorRate = 0; dropRate = 0; outage = $false; propagationDelaySeconds = -1 }
    foreach ($k in $Fault.Keys) { $doc[$k] = $Fault[$k] }
    Invoke-RestMethod -Method Put -Uri "$($Server.Endpoint)/_control/faults" -Headers @{ 'X-Control-Token' = $Server.ControlToken } `
        -ContentType 'application/json' -Body ($doc | ConvertTo-Json)
}

function Invoke-FreshPwsh {
    <# Runs a script in a new pwsh process (the same PowerShell as this one) and returns its output lines and exit code. #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll'))
    foreach ($a in @('-NoProfile', '-NonInteractive', '-Command', '-')) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.WriteLine($Script)
    $p.StandardInput.Close()
    $stdout = $p.StandardOutput.ReadToEndAsync()
    $stderr = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit(120000)) { $p.Kill($true); throw 'The child pwsh did not finish within 120 s.' }
    [pscustomobject]@{
        ExitCode = $p.ExitCode
        Output   = ($stdout.Result -split "`r?`n" | Where-Object { $_ -ne '' })
        Error    = $stderr.Result
    }
}

function Get-EngineType {
    <# A type from the module's engine assembly, which lives in the module's own load context. #>
    param([Parameter(Mandatory)] [string] $Name)
    $cmdlets = (Get-Command Get-HaRoute53Zone).ImplementingType.Assembly
    $engine = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdlets).Assemblies | Where-Object { $_.GetName().Name -eq 'SiosRoute53.Engine' }
    $engine.GetType($Name, $true)
}

function Set-TestRecord {
    <# Changes an A record behind the cluster's back, with the engine's own client, as another operator would. #>
    param($Server, [string] $ZoneId, [string] $Name, [string] $Address, [long] $Ttl = 10)
    $keys = (Get-EngineType 'SiosRoute53.Aws.AwsKeys')::new($script:AccessKey, $script:SecretKey, $null)
    $source = (Get-EngineType 'SiosRoute53.Aws.StaticCredentialSource')::new($keys)
    $options = (Get-EngineType 'SiosRoute53.Route53.Route53ClientOptions')::new()
    $options = $options.GetType().GetMethod('<Clone>$').Invoke($options, @())
    $options.GetType().GetProperty('Endpoint').SetValue($options, [uri] $Server.Endpoint)
    $options.GetType().GetProperty('RequestsPerSecond').SetValue($options, [double] 0)
    $client = (Get-EngineType 'SiosRoute53.Route53.Route53Client')::new($source, $options, $null)
    $set = (Get-EngineType 'SiosRoute53.Route53.ResourceRecordSet')::new($Name, 'A', [Nullable[long]] $Ttl, [string[]] @($Address))
    $upsert = [Enum]::Parse((Get-EngineType 'SiosRoute53.Route53.ChangeAction'), 'UPSERT')
    $change = (Get-EngineType 'SiosRoute53.Route53.Change')::new($upsert, $set)
    $list = [System.Array]::CreateInstance((Get-EngineType 'SiosRoute53.Route53.Change'), 1)
    $list[0] = $change
    $client.ChangeResourceRecordSetsAsync($ZoneId, $list, 'changed by hand', [System.Threading.CancellationToken]::None).GetAwaiter().GetResult() | Out-Null
}

Export-ModuleMember -Function *-Test*, Invoke-FreshPwsh, Get-EngineType
