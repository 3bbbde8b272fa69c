<#
.SYNOPSIS
    Runs the Pester suite against the built module and writes {passed, failed, skipped} to a JSON file.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ServerPath,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force

$env:SIOSR53_TEST_MODULE = (Resolve-Path $ModulePath).Path
$env:SIOSR53_TEST_SERVER = (Resolve-Path $ServerPath).Path

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$run = Invoke-Pester -Configuration $config

@{
    passed  = $run.PassedCount
    failed  = $run.FailedCount + $run.FailedBlocksCount + $run.FailedContainersCount
    skipped = $run.SkippedCount + $run.NotRunCount
} | ConvertTo-Json | Set-Content $ResultPath
