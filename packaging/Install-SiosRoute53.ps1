<#
.SYNOPSIS
    Installs the built SiosRoute53 module on this node, or removes it again.
.DESCRIPTION
    Puts the module in the AllUsers module path of pwsh on Linux (/usr/local/share/powershell/Modules), so
    `pwsh -Command 'Import-Module SiosRoute53'` finds it for every user; provides pwsh 7.6 at /usr/local/bin/pwsh when
    no pwsh 7.6 is on PATH (the PowerShell .NET tool, installed into /usr/local/lib/siosroute53/powershell); installs
    the files listed in $Files (the agent's systemd unit, the health-check service and timer); installs the Pacemaker
    resource agent ocf:siosroute53:route53 (/usr/lib/ocf/resource.d/siosroute53/route53, its .NET host in
    /usr/lib/siosroute53/ocf); and writes the tunables file with every key commented out at its default, unless one
    exists.

    -Uninstall removes what Install put there. It never touches the state directory (/var/lib/siosroute53, with the
    event records) and keeps a tunables file that was edited.

    Every path is prefixed with -DestDir (DESTDIR-style), so a test or a package build can install into a
    temporary root; the installed files then name their final paths, and the pwsh link is relative.
    Normally started through the build: dotnet pwsh ./build.ps1 -Task Install [-DestDir /tmp/root]
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    # The built module (out/SiosRoute53); -Uninstall without it uses the installed one.
    [string] $ModulePath,

    # The built OCF agent host (out/Ocf); by default the Ocf folder beside -ModulePath, when there is one.
    [string] $OcfPath,

    # Where the installed tree is rooted; / for this node.
    [string] $DestDir = '/',

    # The PowerShell tool version to provide when no pwsh 7.6 is on PATH (the one dotnet-tools.json pins).
    [string] $PowerShellVersion = '7.6.9',

    [switch] $Uninstall
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# What goes where, besides the module, pwsh and the tunables file: one line per file, paths as on the node.
$Files = @(
    @{ Source = 'systemd/siosroute53.service';       Destination = '/etc/systemd/system/siosroute53.service';       Mode = '644' }
    @{ Source = 'systemd/siosroute53-check.service'; Destination = '/etc/systemd/system/siosroute53-check.service'; Mode = '644' }
    @{ Source = 'systemd/siosroute53-check.timer';   Destination = '/etc/systemd/system/siosroute53-check.timer';   Mode = '644' }
)
$Units = 'siosroute53-check.timer', 'siosroute53-check.service', 'siosroute53.service'
$ModulesDir = '/usr/local/share/powershell/Modules'
$ToolDir = '/usr/local/lib/siosroute53/powershell'
$PwshLink = '/usr/local/bin/pwsh'
$TunablesFile = '/etc/default/SiosRoute53'
$StateDir = '/var/lib/siosroute53'

$DestDir = [System.IO.Path]::GetFullPath($DestDir)
$real = $DestDir -eq '/'

function Under([string] $path) { [System.IO.Path]::Join($DestDir, $path.TrimStart('/')) }

if (-not $ModulePath -and $Uninstall) {
    $ModulePath = (Get-ChildItem (Under "$ModulesDir/SiosRoute53/*/SiosRoute53.psd1") -ErrorAction Ignore | Select-Object -First 1).DirectoryName
}
if (-not $ModulePath) { throw 'Give -ModulePath, the built module (out/SiosRoute53): build it with ./build.ps1 -Task Build.' }
$ModulePath = (Resolve-Path $ModulePath).Path
$version = (Import-PowerShellDataFile (Join-Path $ModulePath 'SiosRoute53.psd1')).ModuleVersion

function Say([string] $message) { Write-Host "  $message" }

function Set-Mode([string] $path, [string] $mode) {
    [System.IO.File]::SetUnixFileMode($path, [System.IO.UnixFileMode][Convert]::ToInt32($mode, 8))
}

# Our link to the tool's pwsh (relative, or absolute as an older install may have made it).
function Test-OurLink($item) {
    $item -and $item.LinkTarget -and [System.IO.Path]::GetFullPath($item.LinkTarget, (Split-Path $PwshLink)) -eq "$ToolDir/pwsh"
}

function Test-SystemdRunning { $real -and (Test-Path /run/systemd/system) -and (Get-Command systemctl -ErrorAction Ignore) }

# The tunables file: every key of the catalogue (Get-HaTunable with no file gives the defaults), commented out.
function Get-TunablesText {
    $noFile = Join-Path ([System.IO.Path]::GetTempPath()) "siosroute53-no-tunables-$PID"
    $tunables = & {
        Import-Module (Join-Path $ModulePath 'SiosRoute53.psd1') -Force
        Get-HaTunable -TunablesPath $noFile
    }
    $lines = @(
        '# SiosRoute53 tunables (LifeKeeper''s names). KEY=VALUE lines; # starts a comment; values with spaces in quotes.'
        '# Every key is listed below, commented out, at its default: remove the # to change one.'
        '# Each operation reads this file anew, so a change applies to the next check, start or switchover; the node'
        '# agent reads it every cycle. See the values in force, and where each comes from, with Get-HaTunable.'
    )
    foreach ($t in $tunables) {
        $value = if ($t.Value -match '\s') { "`"$($t.Value)`"" } else { $t.Value }
        $lines += ''
        $lines += "# $($t.Description) Range: $($t.Range)."
        $lines += "#$($t.Key)=$value"
    }
    ($lines -join "`n") + "`n"
}

function Install-Pwsh {
    # pwsh puts its own $PSHOME first on PATH, so ask the directories systemd searches for a bare command name
    # (and a login shell's PATH has): a pwsh there other than our own link.
    foreach ($dir in '/usr/local/bin', '/usr/bin', '/bin') {
        $candidate = Get-Item (Under "$dir/pwsh") -Force -ErrorAction Ignore
        if (-not $candidate -or (Test-OurLink $candidate)) { continue }
        $found = & $candidate.FullName -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>$null
        if ($found -and [version]($found -replace '-.*$', '') -ge [version]'7.6') {
            Say "pwsh $found is at $dir/pwsh; not providing one."
            return
        }
        Say "$dir/pwsh is PowerShell $found, older than 7.6; providing 7.6 at $PwshLink, which comes first on PATH."
    }
    $tools = Under $ToolDir
    $link = Under $PwshLink
    if (-not (Test-Path (Join-Path $tools '.store/powershell' $PowerShellVersion))) {
        if ($PSCmdlet.ShouldProcess($ToolDir, "Install the PowerShell $PowerShellVersion .NET tool")) {
            New-Item -ItemType Directory -Force $tools | Out-Null
            # update installs when absent, and moves an older install of ours to this version.
            & dotnet tool update PowerShell --version $PowerShellVersion --tool-path $tools | Out-Null
            if ($LASTEXITCODE) { throw "Installing the PowerShell $PowerShellVersion .NET tool into $tools failed (exit $LASTEXITCODE)." }
        }
    }
    $existing = Get-Item $link -Force -ErrorAction Ignore
    if ($existing -and -not (Test-OurLink $existing)) {
        Say "$PwshLink exists and is not ours; leaving it. pwsh $PowerShellVersion is $ToolDir/pwsh."
        return
    }
    if ($PSCmdlet.ShouldProcess($PwshLink, "Link to $ToolDir/pwsh")) {
        New-Item -ItemType Directory -Force (Split-Path $link) | Out-Null
        if ($existing) { Remove-Item $link -Force }
        # Relative, so that an install under -DestDir works where it is and where it is copied to.
        $target = [System.IO.Path]::GetRelativePath((Split-Path $PwshLink), "$ToolDir/pwsh")
        New-Item -ItemType SymbolicLink -Path $link -Target $target | Out-Null
        Say "pwsh ${PowerShellVersion}: $PwshLink -> $ToolDir/pwsh (the PowerShell .NET tool; it runs on /usr/share/dotnet)."
    }
}

function Install-ModuleFiles {
    $parent = Under "$ModulesDir/SiosRoute53"
    $target = Join-Path $parent $version
    if (-not $PSCmdlet.ShouldProcess("$ModulesDir/SiosRoute53/$version", 'Install the module')) { return }
    New-Item -ItemType Directory -Force $parent | Out-Null
    # Stage beside the target and swap it in with renames: a running agent keeps the files it has open.
    $staged = "$target.new-$PID"
    Copy-Item $ModulePath $staged -Recurse
    Get-ChildItem $staged -Recurse -Directory | ForEach-Object { Set-Mode $_.FullName '755' }
    Get-ChildItem $staged -Recurse -File | ForEach-Object { Set-Mode $_.FullName '644' }
    Set-Mode $staged '755'
    $old = "$target.old-$PID"
    if (Test-Path $target) { Move-Item $target $old }
    Move-Item $staged $target
    if (Test-Path $old) { Remove-Item $old -Recurse -Force }
    Say "module SiosRoute53 $version -> $ModulesDir/SiosRoute53/$version"
}

function Install-Files {
    foreach ($file in $Files) {
        $to = Under $file.Destination
        if (-not $PSCmdlet.ShouldProcess($file.Destination, 'Install')) { continue }
        New-Item -ItemType Directory -Force (Split-Path $to) | Out-Null
        Copy-Item (Join-Path $PSScriptRoot $file.Source) $to -Force
        Set-Mode $to $file.Mode
        Say "$($file.Source) -> $($file.Destination)"
    }
}

function Install-OcfAgent {
    # ocf:siosroute53:route53 for Pacemaker: the wrapper in /usr/lib/ocf/resource.d/siosroute53, its host beside.
    if (-not $OcfPath) { $OcfPath = Join-Path (Split-Path $ModulePath) 'Ocf' }
    if (-not (Test-Path (Join-Path $OcfPath 'SiosRoute53.Ocf.dll'))) {
        Say "no OCF agent host in $OcfPath (build.ps1 -Task Build publishes it to out/Ocf); the Pacemaker agent is not installed."
        return
    }
    if ($PSCmdlet.ShouldProcess('/usr/lib/ocf/resource.d/siosroute53/route53', 'Install the OCF resource agent')) {
        & (Join-Path $PSScriptRoot 'ocf/Install-OcfAgent.ps1') -HostPath $OcfPath -DestDir $DestDir | ForEach-Object { Say $_ }
    }
}

function Install-Tunables {
    $to = Under $TunablesFile
    if (Test-Path $to) {
        Say "$TunablesFile exists; left as it is (the defaults are in Get-HaTunable)."
        return
    }
    if (-not $PSCmdlet.ShouldProcess($TunablesFile, 'Write the tunables file with every key at its default')) { return }
    New-Item -ItemType Directory -Force (Split-Path $to) | Out-Null
    [System.IO.File]::WriteAllText($to, (Get-TunablesText))
    Set-Mode $to '644'
    Say "$TunablesFile written: every tunable, commented out at its default."
}

function Uninstall-All {
    $tunables = Under $TunablesFile
    $unchanged = (Test-Path $tunables) -and [System.IO.File]::ReadAllText($tunables) -ceq (Get-TunablesText)
    if (Test-SystemdRunning) {
        & systemctl disable --now @Units 2>&1 | Out-Null
    }
    foreach ($file in $Files) {
        $to = Under $file.Destination
        if ((Test-Path $to) -and $PSCmdlet.ShouldProcess($file.Destination, 'Remove')) {
            Remove-Item $to -Force
            Say "removed $($file.Destination)"
        }
    }
    if ($PSCmdlet.ShouldProcess('/usr/lib/ocf/resource.d/siosroute53/route53', 'Remove the OCF resource agent and its host')) {
        & (Join-Path $PSScriptRoot 'ocf/Install-OcfAgent.ps1') -Uninstall -DestDir $DestDir | ForEach-Object { Say $_ }
    }
    $installed = Under "$ModulesDir/SiosRoute53"
    if ((Test-Path $installed) -and $PSCmdlet.ShouldProcess("$ModulesDir/SiosRoute53", 'Remove the module (every version)')) {
        Remove-Item $installed -Recurse -Force
        Say "removed module SiosRoute53 ($ModulesDir/SiosRoute53)"
    }
    $link = Get-Item (Under $PwshLink) -Force -ErrorAction Ignore
    if ((Test-OurLink $link) -and $PSCmdlet.ShouldProcess($PwshLink, 'Remove the link to the PowerShell tool')) {
        Remove-Item $link.FullName -Force
        Say "removed $PwshLink"
    }
    $tools = Under $ToolDir
    if ((Test-Path $tools) -and $PSCmdlet.ShouldProcess($ToolDir, 'Remove the PowerShell tool')) {
        Remove-Item (Split-Path $tools) -Recurse -Force
        Say "removed $(Split-Path $ToolDir)"
    }
    if (Test-Path $tunables) {
        if ($unchanged) {
            if ($PSCmdlet.ShouldProcess($TunablesFile, 'Remove (unchanged since it was installed)')) {
                Remove-Item $tunables -Force
                Say "removed $TunablesFile (unchanged)"
            }
        }
        else {
            Say "$TunablesFile was edited; kept."
        }
    }
    Say "$StateDir (state, keys and event records) is never removed by uninstall."
}

if ($real -and [System.Environment]::UserName -ne 'root' -and -not $WhatIfPreference) {
    throw "Installing into / needs root (it writes $ModulesDir, /usr/local and /etc). Run it with sudo, or give -DestDir <directory>."
}

if ($Uninstall) {
    Write-Host "Uninstalling SiosRoute53 $version from $DestDir"
    Uninstall-All
}
else {
    Write-Host "Installing SiosRoute53 $version into $DestDir"
    Install-Pwsh
    Install-ModuleFiles
    Install-Files
    Install-OcfAgent
    Install-Tunables
}
if (Test-SystemdRunning) {
    & systemctl daemon-reload
    if (-not $Uninstall) {
        Say 'Start the agent and the scheduled check: systemctl enable --now siosroute53.service siosroute53-check.timer'
    }
}
