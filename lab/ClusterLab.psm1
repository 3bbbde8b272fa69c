# A cluster lab in network namespaces: a switch namespace with a bridge, and one namespace per host (the Route 53-
# compatible server, two nodes, a witness, an on-premises client). Every agent is its own pwsh process in its
# namespace. All traffic stays inside these namespaces; everything is torn down by Remove-ClusterLab.
# Used by the cluster tests and by the demo.

$script:Subnet = '10.53.0'
$script:Hosts = [ordered]@{ aws = 2; node1 = 11; node2 = 12; witness = 13; client = 20 }

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $Command, [switch] $IgnoreFailure)
    $output = & bash -c "$Command 2>&1"
    if ($LASTEXITCODE -and -not $IgnoreFailure) { throw "'$Command' failed ($LASTEXITCODE): $output" }
    $output
}

function Test-ClusterLabSupport {
    <# Root, iproute2 and network namespaces: what the lab needs. Returns the reason it cannot run, or nothing. #>
    if ((& id -u) -ne '0') { return 'the cluster lab needs root (network namespaces)' }
    if (-not (Get-Command ip -ErrorAction Ignore)) { return 'the cluster lab needs iproute2 (ip)' }
    $probe = "sr53probe$PID"
    & bash -c "ip netns add $probe && ip netns del $probe" 2>$null
    if ($LASTEXITCODE) { return 'network namespaces cannot be created here' }
}

function New-ClusterLab {
    <# Creates the namespaces and the network; returns the lab object. #>
    param(
        [Parameter(Mandatory)] [string] $Root,
        [Parameter(Mandatory)] [string] $ModulePath,
        [Parameter(Mandatory)] [string] $ServerPath,
        [Parameter(Mandatory)] [string] $AccessKey,
        [Parameter(Mandatory)] [string] $SecretKey,
        [string] $Prefix = "sr53$($PID % 10000)"
    )
    Get-ChildItem /var/run/netns -ErrorAction Ignore | Where-Object Name -Like "$Prefix-*" | ForEach-Object { Invoke-Native "ip netns del $($_.Name)" -IgnoreFailure | Out-Null }
    $lab = [pscustomobject]@{
        Prefix = $Prefix; Root = $Root; Switch = "$Prefix-sw"; Namespaces = [ordered]@{}; Addresses = [ordered]@{}
        Agents = @{}; Server = $null; ServerEndpoint = "http://$($script:Subnet).$($script:Hosts.aws):8053"; DnsServer = "$($script:Subnet).$($script:Hosts.aws):53"
        Module = $ModulePath; ServerPath = $ServerPath; AccessKey = $AccessKey; SecretKey = $SecretKey; ZoneId = $null
    }
    New-Item -ItemType Directory -Force $Root | Out-Null
    Invoke-Native "ip netns add $($lab.Switch) && ip -n $($lab.Switch) link set lo up && ip -n $($lab.Switch) link add br0 type bridge && ip -n $($lab.Switch) link set br0 up" | Out-Null
    foreach ($name in $script:Hosts.Keys) { Add-LabHost $lab $name "$($script:Subnet).$($script:Hosts[$name])" $script:Hosts[$name] }
    $lab
}

function Add-LabHost {
    <# Adds a host to a lab: its namespace, cabled to the lab's switch with one address (/24), the number unique in the lab. #>
    param($Lab, [string] $Name, [string] $Address, [int] $Number)
    $ns = "$($Lab.Prefix)-$Name"
    Invoke-Native @"
ip netns add $ns && ip -n $ns link set lo up &&
ip link add v-$($Lab.Prefix)-$Number type veth peer name eth0 netns $ns &&
ip link set v-$($Lab.Prefix)-$Number netns $($Lab.Switch) &&
ip -n $($Lab.Switch) link set v-$($Lab.Prefix)-$Number name v-$Name &&
ip -n $($Lab.Switch) link set v-$Name master br0 && ip -n $($Lab.Switch) link set v-$Name up &&
ip -n $ns addr add $Address/24 dev eth0 && ip -n $ns link set eth0 up
"@ | Out-Null
    $Lab.Namespaces[$Name] = $ns
    $Lab.Addresses[$Name] = $Address
}

function Set-ClusterLabLink {
    <# Cuts or restores one host's cable at the switch. #>
    param($Lab, [string] $HostName, [ValidateSet('up', 'down')] [string] $State)
    Invoke-Native "ip -n $($Lab.Switch) link set v-$HostName $State" | Out-Null
}

function Start-LabProcess {
    <# Starts a process in a namespace with its output in a log file; returns the Process (its pid is the program's: bash and ip exec it). #>
    param($Lab, [string] $HostName, [string] $Name, [string[]] $Command, [hashtable] $Environment = @{})
    $log = Join-Path $Lab.Root "$Name.log"
    $quoted = ($Command | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
    $psi.ArgumentList.Add('-c')
    $psi.ArgumentList.Add("exec ip netns exec $($Lab.Namespaces[$HostName]) $quoted >> '$log' 2>&1 < /dev/null")
    $psi.UseShellExecute = $false
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    [pscustomobject]@{ Process = [System.Diagnostics.Process]::Start($psi); Log = $log }
}

function Get-LabEnvironment {
    param($Lab, [string] $HostName)
    @{
        SIOSR53_STATE_DIR = Join-Path $Lab.Root "$HostName/state"
        SIOSR53_TUNABLES = Join-Path $Lab.Root 'tunables'
        AWS_ACCESS_KEY_ID = $Lab.AccessKey
        AWS_SECRET_ACCESS_KEY = $Lab.SecretKey
        AWS_EC2_METADATA_DISABLED = 'true'
    }
}

function Start-LabServer {
    # -ControlToken enables the server's fault injection endpoint (/_control/faults) with that token.
    param($Lab, [double] $PropagationSeconds = 1, [string] $ControlToken)
    $dll = Join-Path $Lab.ServerPath 'SiosRoute53.Route53Server.dll'
    $environment = @{ SIOSR53_ACCESS_KEY_ID = $Lab.AccessKey; SIOSR53_SECRET_ACCESS_KEY = $Lab.SecretKey }
    if ($ControlToken) { $environment.SIOSR53_CONTROL_TOKEN = $ControlToken }
    $Lab.Server = Start-LabProcess $Lab aws 'route53-server' @('dotnet', $dll, '--listen', "$($Lab.Addresses.aws):8053", '--dns', "$($Lab.Addresses.aws):53",
        '--zone', 'corp.example', '--propagation', "$PropagationSeconds", '--rate', '0') -Environment $environment
    $null = Wait-LabCondition -Seconds 30 -Because 'the Route 53-compatible server starts' { (Get-Content $Lab.Server.Log -ErrorAction Ignore) -match '^listening' }
    $Lab.ZoneId = ((Get-Content $Lab.Server.Log) -match '^zone corp\.example\. ' -split ' ')[2]
}

function New-LabScript {
    <# Writes a script (module imported, errors stop it) to a file in the lab, for pwsh -File: multi-line code runs as written. #>
    param($Lab, [string] $Script)
    $file = Join-Path $Lab.Root ("script-{0}.ps1" -f [guid]::NewGuid().ToString('n'))
    Set-Content $file "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; Import-Module '$($Lab.Module)'`n$Script"
    $file
}

function Start-InLab {
    <# Starts a script in a host's namespace, as that host, without waiting; Wait-InLab collects it. #>
    param($Lab, [string] $HostName, [string] $Script)
    $psi = [System.Diagnostics.ProcessStartInfo]::new('ip')
    foreach ($a in @('netns', 'exec', $Lab.Namespaces[$HostName], 'dotnet', (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', (New-LabScript $Lab $Script))) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
    $psi.Environment['NO_COLOR'] = '1'
    $envs = Get-LabEnvironment $Lab $HostName
    foreach ($k in $envs.Keys) { $psi.Environment[$k] = $envs[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $p; Output = $p.StandardOutput.ReadToEndAsync(); Error = $p.StandardError.ReadToEndAsync(); HostName = $HostName }
}

function Wait-InLab {
    param($Started)
    if (-not $Started.Process.WaitForExit(300000)) { $Started.Process.Kill($true); throw "The script on $($Started.HostName) did not finish within 300 s." }
    [pscustomobject]@{ ExitCode = $Started.Process.ExitCode; Output = $Started.Output.Result.Trim(); Error = $Started.Error.Result.Trim() }
}

function Invoke-InLab {
    <# Runs a script with the module imported, in a host's namespace, as that host; returns its output lines, throws on failure. #>
    param($Lab, [string] $HostName, [string] $Script)
    $result = Wait-InLab (Start-InLab $Lab $HostName $Script)
    if ($result.ExitCode -or $result.Error) { throw "On ${HostName}: exit $($result.ExitCode): $($result.Error) $($result.Output)" }
    $result.Output -split "`r?`n" | Where-Object { $_ -ne '' }
}

function Start-LabAgent {
    param($Lab, [string] $HostName)
    $Lab.Agents[$HostName] = Start-LabProcess $Lab $HostName "agent-$HostName" @('dotnet', (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command',
        "Import-Module '$($Lab.Module)'; Start-HaNode -InformationAction Continue") -Environment (Get-LabEnvironment $Lab $HostName)
 $null = Wait-LabCondition -Seconds 60 -Because "the agent on $HostName starts listening" { (Get-Content $Lab.Agents[$HostName].Log -ErrorAction Ignore) -match 'agent started' }
}

function Stop-LabAgent {
    param($Lab, [string] $HostName, [ValidateSet('TERM', 'KILL')] [string] $Signal = 'TERM')
    $agent = $Lab.Agents[$HostName]
    if (-not $agent -or $agent.Process.HasExited) { return }
    Invoke-Native "kill -$Signal $($agent.Process.Id)" -IgnoreFailure | Out-Null
    if (-not $agent.Process.WaitForExit(20000)) { $agent.Process.Kill($true) }
}

function Wait-LabCondition {
    <# Waits for a condition with a deadline: never a sleep-and-hope. #>
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Condition, [double] $Seconds = 60, [string] $Because = 'the condition holds')
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ($true) {
        $result = & $Condition
        if ($result) { return $result }
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $Seconds s waiting until $Because." }
        Start-Sleep -Milliseconds 200
    }
}

function Get-LabState {
    <# A node's own state file (read directly: the test runs as root beside it). #>
    param($Lab, [string] $HostName)
    $file = Join-Path $Lab.Root "$HostName/state/state.json"
    if (Test-Path $file) { Get-Content $file -Raw | ConvertFrom-Json }
}

function Get-LabResourceState {
    param($Lab, [string] $HostName, [string] $Tag)
    $state = Get-LabState $Lab $HostName
    ($state.states | Where-Object { $_.tag -eq $Tag -and $_.node -eq $HostName }).state
}

function Get-LabEvents {
    param($Lab, [string] $HostName)
    $file = Join-Path $Lab.Root "$HostName/state/events.jsonl"
    if (Test-Path $file) { Get-Content $file | ForEach-Object { $_ | ConvertFrom-Json } }
}

function Resolve-LabName {
    <# What the on-premises client gets for a name from the lab's DNS server. #>
    param($Lab, [string] $Name = 'app.corp.example')
    $dll = Join-Path (Split-Path $Lab.Module) 'bin/DnsClient.dll'
    Invoke-InLab $Lab client @"
Add-Type -Path '$dll'
`$options = [DnsClient.LookupClientOptions]::new([System.Net.IPEndPoint]::Parse('$($Lab.DnsServer)'))
`$options.UseCache = `$false
(([DnsClient.LookupClient]::new(`$options)).Query('$Name', [DnsClient.QueryType]::A).Answers | ForEach-Object { `$_.Address.ToString() }) -join ','
"@
}

function Remove-ClusterLab {
    param($Lab)
    if (-not $Lab) { return }
    foreach ($name in @($Lab.Agents.Keys)) { Stop-LabAgent $Lab $name -Signal KILL }
    if ($Lab.Server -and -not $Lab.Server.Process.HasExited) { $Lab.Server.Process.Kill($true) }
    foreach ($ns in @($Lab.Namespaces.Values) + $Lab.Switch) { Invoke-Native "ip netns del $ns" -IgnoreFailure | Out-Null }
}



Export-ModuleMember -Function *

function Set-LabAgentPaused {
    <# Freezes (SIGSTOP) or thaws (SIGCONT) a host's agent, as a paused VM would be. #>
    param($Lab, [string] $HostName, [bool] $Paused)
    $agent = $Lab.Agents[$HostName]
    if (-not $agent -or $agent.Process.HasExited) { throw "The agent on $HostName is not running." }
    Invoke-Native "kill -$(if ($Paused) { 'STOP' } else { 'CONT' }) $($agent.Process.Id)" | Out-Null
}

Export-ModuleMember -Function *
