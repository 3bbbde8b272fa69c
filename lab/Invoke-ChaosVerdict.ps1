<#
.SYNOPSIS
    Judges a chaos run again from what it kept (out/chaos-logs: the samples and every node's history), without the
    lab: the same verdict functions, so a changed bound or a fixed verdict can be tried on a recorded run.
.EXAMPLE
    dotnet pwsh lab/Invoke-ChaosVerdict.ps1 -ResultPath out/chaos/chaos.json -LogPath out/chaos-logs
#>
param(
    [Parameter(Mandatory)] [string] $ResultPath,
    [Parameter(Mandatory)] [string] $LogPath
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'ChaosLab.psm1') -Force
$run = Get-Content $ResultPath -Raw | ConvertFrom-Json
$seed = $run.seed
$samples = @(Get-Content (Join-Path $LogPath "seed$seed-samples.jsonl") | ForEach-Object { $_ | ConvertFrom-Json })
$events = @{}
foreach ($n in 'node1', 'node2') {
    $events[$n] = @(Get-Content (Join-Path $LogPath "seed$seed-$n.events.jsonl") | ForEach-Object { $_ | ConvertFrom-Json -DateKind String })
}
$addresses = @{ node1 = '10.53.0.11'; node2 = '10.53.0.12' }
foreach ($round in $run.results) {
    # Runs that predate the recorded intervals: an agent the round killed, stopped or restarted ran again by the heal.
    $inactive = if ($null -ne $round.Inactive) { @($round.Inactive) }
    elseif ($round.Kind -in 'kill', 'pause', 'restart') { @([pscustomobject]@{ Node = $round.Target; From = $round.StartedAt; To = $round.HealedAt }) }
    else { @() }
    $mine = @($samples | Where-Object { $_.t -ge $round.StartedAt -and $_.t -le $round.EndedAt })
    $verdict = Test-ChaosRound -Samples $mine -Inactive $inactive -Addresses $addresses -StartedAt $round.StartedAt -HealedAt $round.HealedAt -Events $events
    [pscustomobject]@{
        Seed = $seed; Round = $round.Round; Kind = $round.Kind; Target = $round.Target
        Recorded = (@($round.Violations.Kind) -join '+'); Judged = (@($verdict.Violations.Kind) -join '+')
        ConvergedSeconds = $verdict.ConvergedSeconds
    }
}
