#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks SiosRoute53.
.DESCRIPTION
    Restores the pinned build tools (Invoke-Build, Pester) from NuGet, then runs the requested tasks from
    SiosRoute53.build.ps1. Run it through the pinned PowerShell: dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    flock /tmp/siosr53-lab.lock dotnet pwsh ./build.ps1 -Task Chaos -Rounds 200 -Seed 7
.EXAMPLE
    flock /tmp/siosr53-lab.lock dotnet pwsh ./build.ps1 -Task Chaos -Rounds 20 -Seed 3 -Overlap
    Two overlapping faults per round (e.g. the owner's link and the witness cut at once, a pause during a switchover).
.EXAMPLE
    sudo dotnet pwsh ./build.ps1 -Task Install
    Installs the module for every user, pwsh 7.6 when there is none, the systemd units, the Pacemaker OCF agent
    (/usr/lib/ocf/resource.d/siosroute53/route53) and the tunables file.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'UnitTest', 'PesterTest', 'ChaosTest', 'Chaos', 'Demo', 'Bench', 'Clean',
        'Install', 'Uninstall', 'Package')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Chaos rounds: -Task Chaos runs 50 unless told, -Task Test a short run of 10 (0 leaves it out, counted as skipped).
    [ValidateRange(-1, 10000)]
    [int] $Rounds = -1,

    # The seed the chaos rounds' faults are drawn from: the same seed draws the same faults.
    [int] $Seed = 1,

    # Chaos: two overlapping faults per round instead of one.
    [switch] $Overlap,

    # Install and Uninstall: the root the files go under (DESTDIR-style); / installs on this node (as root).
    [string] $DestDir = '/'
)
$ErrorActionPreference = 'Stop'
$env:NO_COLOR = '1'
$PSStyle.OutputRendering = 'PlainText'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'

& dotnet restore (Join-Path $PSScriptRoot 'build/Tools.csproj') --verbosity quiet
if ($LASTEXITCODE) { throw "Restoring the build tools failed (exit $LASTEXITCODE)." }

$packages = $env:NUGET_PACKAGES
if (-not $packages) {
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
}
$packages = $packages.Trim()
Import-Module (Join-Path $packages 'invoke-build/5.14.23/tools/InvokeBuild.psd1') -Force
$summary = Join-Path $PSScriptRoot 'out/test/summary.txt'
Remove-Item $summary -ErrorAction Ignore
$failed = $false
try {
    Invoke-Build -Task $Task -File (Join-Path $PSScriptRoot 'SiosRoute53.build.ps1') -Configuration $Configuration -Packages $packages -Rounds $Rounds -Seed $Seed -Overlap:$Overlap -DestDir $DestDir
}
catch {
    $failed = $true
    Write-Host "Build failed: $_"
}
# The test count is the very last line, whatever Invoke-Build printed after it.
if (Test-Path $summary) { Get-Content $summary | Write-Host }
elseif ($Task -contains 'Test') { Write-Host '0 passed, 1 failed' }
if ($failed) { exit 1 }
