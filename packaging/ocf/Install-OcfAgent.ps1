<#
.SYNOPSIS
    Installs the route53 OCF resource agent: the .NET host (built into out/Ocf) and the wrapper script that
    Pacemaker runs as ocf:siosroute53:route53.
.EXAMPLE
    ./packaging/ocf/Install-OcfAgent.ps1 -HostPath ./out/Ocf
#>
param(
    # The published host (out/Ocf).
    [Parameter(Mandatory)] [string] $HostPath,
    # Where the host is copied.
    [string] $Prefix = '/usr/lib/siosroute53/ocf',
    # OCF's resource.d directory; the agent goes into <OcfRoot>/<Provider>/route53.
    [string] $ResourceDirectory = '/usr/lib/ocf/resource.d',
    [string] $Provider = 'siosroute53',
    # The dotnet that runs the host (the runtime found now, unless given).
    [string] $Dotnet = ((Get-Command dotnet -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source),
    [switch] $Uninstall
)
$ErrorActionPreference = 'Stop'
$agent = Join-Path $ResourceDirectory "$Provider/route53"
if ($Uninstall) {
    Remove-Item $agent -ErrorAction Ignore
    Remove-Item -Recurse $Prefix -ErrorAction Ignore
    return
}
if (-not (Test-Path (Join-Path $HostPath 'SiosRoute53.Ocf.dll'))) { throw "No SiosRoute53.Ocf.dll in '$HostPath'; run build.ps1 -Task Build first." }
$Dotnet = (Resolve-Path $Dotnet).Path
New-Item -ItemType Directory -Force $Prefix, (Split-Path $agent) | Out-Null
Copy-Item (Join-Path $HostPath '*') $Prefix -Recurse -Force
$script = (Get-Content (Join-Path $PSScriptRoot 'route53') -Raw).Replace('@HOST@', (Join-Path $Prefix 'SiosRoute53.Ocf.dll')).Replace('@DOTNET@', $Dotnet)
[System.IO.File]::WriteAllText($agent, $script)
& chmod 755 $agent
"Installed ocf:${Provider}:route53 as $agent (host in $Prefix)."
