<#
.SYNOPSIS
    Installs the route53 OCF resource agent: the .NET host (built into out/Ocf) and the wrapper script that
    Pacemaker runs as ocf:siosroute53:route53.
.DESCRIPTION
    Every path is prefixed with -DestDir (DESTDIR-style); the wrapper names the host where it is on the node
    (-Prefix), so a tree installed under -DestDir works once copied to /. build.ps1 -Task Install and -Task Uninstall
    run this through packaging/Install-SiosRoute53.ps1.
.EXAMPLE
    ./packaging/ocf/Install-OcfAgent.ps1 -HostPath ./out/Ocf
#>
param(
    # The published host (out/Ocf); not needed with -Uninstall.
    [string] $HostPath,
    # Where the host is copied, as a path on the node.
    [string] $Prefix = '/usr/lib/siosroute53/ocf',
    # OCF's resource.d directory, as a path on the node; the agent goes into <ResourceDirectory>/<Provider>/route53.
    [string] $ResourceDirectory = '/usr/lib/ocf/resource.d',
    [string] $Provider = 'siosroute53',
    # The dotnet that runs the host (the runtime found now, unless given).
    [string] $Dotnet,
    # Where the installed tree is rooted; / for this node.
    [string] $DestDir = '/',
    [switch] $Uninstall
)
$ErrorActionPreference = 'Stop'
function Under([string] $path) { [System.IO.Path]::Join([System.IO.Path]::GetFullPath($DestDir), $path.TrimStart('/')) }
$agentOnNode = "$($ResourceDirectory.TrimEnd('/'))/$Provider/route53"
$agent = Under $agentOnNode
$hostDirectory = Under $Prefix
if ($Uninstall) {
    if (Test-Path $agent) { Remove-Item $agent -Force; "removed $agentOnNode" }
    if (Test-Path $hostDirectory) { Remove-Item -Recurse -Force $hostDirectory; "removed $Prefix" }
    # The provider's directory and the host's parent go when empty; resource.d itself belongs to resource-agents.
    foreach ($directory in (Split-Path $agent), (Split-Path $hostDirectory)) {
        if ((Test-Path $directory) -and -not (Get-ChildItem $directory -Force)) { Remove-Item $directory }
    }
    return
}
if (-not $HostPath -or -not (Test-Path (Join-Path $HostPath 'SiosRoute53.Ocf.dll'))) {
    throw "No SiosRoute53.Ocf.dll in '$HostPath'; give -HostPath the published host (build.ps1 -Task Build writes out/Ocf)."
}
if (-not $Dotnet) {
    $found = Get-Command dotnet -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $found) { throw 'No dotnet on PATH: the agent runs its host with the .NET runtime; install it, or give -Dotnet <path>.' }
    $Dotnet = $found.Source
}
New-Item -ItemType Directory -Force (Split-Path $hostDirectory), (Split-Path $agent) | Out-Null
# Stage beside the target and swap it in: an agent that is running keeps the files it has open.
$staged = "$hostDirectory.new-$PID"
Copy-Item $HostPath $staged -Recurse
Get-ChildItem $staged -Recurse -Directory | ForEach-Object { & chmod 755 $_.FullName }
Get-ChildItem $staged -Recurse -File | ForEach-Object { & chmod 644 $_.FullName }
& chmod 755 $staged
if (Test-Path $hostDirectory) { Remove-Item -Recurse -Force $hostDirectory }
Move-Item $staged $hostDirectory
$script = (Get-Content (Join-Path $PSScriptRoot 'route53') -Raw).Replace('@HOST@', "$($Prefix.TrimEnd('/'))/SiosRoute53.Ocf.dll").Replace('@DOTNET@', $Dotnet)
[System.IO.File]::WriteAllText($agent, $script)
& chmod 755 $agent
"OCF agent ocf:${Provider}:route53 -> $agentOnNode (its host in $Prefix, run by $Dotnet)"
