<#
.SYNOPSIS
    Invoke-Build tasks for SiosRoute53. Start them through ./build.ps1, which restores the pinned tools first.
#>
param(
    [string] $Configuration = 'Release',
    [string] $Packages,
    [int] $Rounds = -1,
    [int] $Seed = 1,
    [switch] $Overlap,
    [string] $DestDir = '/'
)

$Root = $BuildRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'SiosRoute53'
$ServerOut = Join-Path $Out 'Route53Server'
$OcfOut = Join-Path $Out 'Ocf'
$TestOut = Join-Path $Out 'test'
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'module/SiosRoute53.psd1')
$Version = $Manifest.ModuleVersion

function Invoke-Dotnet {
    $arguments = $args
    exec { & dotnet @arguments }
}

# Synopsis: Remove build output.
task Clean {
    remove $Out
}

# Synopsis: Build the module into out/SiosRoute53 (manifest, format, help, binaries) and the Route 53-compatible server.
task Build {
    remove $ModuleOut
    $bin = Join-Path $ModuleOut 'bin'
    # Precompiled (ReadyToRun) for this platform: a scheduled health check is a short process whose time would go to
    # the JIT compiling the engine, AWSSDK.Core and the client. The IL stays inside, so another platform still runs it.
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    Invoke-Dotnet publish (Join-Path $Root 'src/SiosRoute53.Cmdlets') -c $Configuration -o $bin -r $rid --no-self-contained "-p:PublishReadyToRun=true" "-p:Version=$Version" --nologo -v quiet
    Invoke-Dotnet publish (Join-Path $Root 'src/SiosRoute53.LoadContext') -c $Configuration -o $bin -r $rid --no-self-contained "-p:PublishReadyToRun=true" "-p:Version=$Version" --nologo -v quiet
    Invoke-Dotnet publish (Join-Path $Root 'src/SiosRoute53.Route53Server') -c $Configuration -o $ServerOut "-p:Version=$Version" --nologo -v quiet
    # The OCF agent's host, precompiled (ReadyToRun): it is one short process per monitor.
    Invoke-Dotnet publish (Join-Path $Root 'src/SiosRoute53.Ocf') -c $Configuration -o $OcfOut -r ([System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier) --no-self-contained "-p:PublishReadyToRun=true" "-p:Version=$Version" --nologo -v quiet
    # PowerShell itself provides System.Management.Automation; a copy beside the module would shadow it.
    Get-ChildItem $bin -Filter 'System.Management.Automation*.dll' | Remove-Item
    Copy-Item (Join-Path $Root 'module/*') $ModuleOut -Recurse
    $help = Join-Path $Root 'build/New-MamlHelp.ps1'
    if (Test-Path $help) {
        exec { & dotnet pwsh -NoProfile -NonInteractive -File $help -ModulePath $ModuleOut -DocsPath (Join-Path $Root 'docs') -Packages $Packages }
    }
    print Green "Module $Version built in $ModuleOut"
}

# Synopsis: xunit over the engine and the server; counts into out/test/unit.json.
task UnitTest {
    remove (Join-Path $TestOut 'unit')
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    $trxDir = Join-Path $TestOut 'unit'
    & dotnet test (Join-Path $Root 'tests/Unit') -c $Configuration --nologo --logger 'trx;LogFileName=unit.trx' --logger 'console;verbosity=normal' --results-directory $trxDir
    $unitExit = $LASTEXITCODE
    $trx = Join-Path $trxDir 'unit.trx'
    $counts = @{ passed = 0; failed = 0; skipped = 0 }
    if (Test-Path $trx) {
        [xml] $doc = Get-Content $trx -Raw
        $c = $doc.TestRun.ResultSummary.Counters
        $counts.passed = [int] $c.passed
        $counts.failed = [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
        $counts.skipped = [int] $c.notExecuted
    }
    elseif ($unitExit) {
        $counts.failed = 1
    }
    if ($unitExit -and -not $counts.failed) { $counts.failed = 1 }
    $counts | ConvertTo-Json | Set-Content (Join-Path $TestOut 'unit.json')
}

# Synopsis: Pester over the built module, each run in a fresh pwsh; counts into out/test/pester.json.
task PesterTest Build, {
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    New-Item -ItemType Directory -Force $TestOut | Out-Null
    $result = Join-Path $TestOut 'pester.json'
    Remove-Item $result -ErrorAction Ignore
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1') `
        -ModulePath $ModuleOut -ServerPath $ServerOut -PesterPath (Join-Path $Packages 'pester/6.2.0/tools/Pester.psd1') -ResultPath $result
    if (-not (Test-Path $result)) {
        @{ passed = 0; failed = 1; skipped = 0 } | ConvertTo-Json | Set-Content $result
    }
}

function Invoke-Chaos([int] $Count, [string] $Result) {
    Remove-Item $Result -ErrorAction Ignore
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'lab/Chaos.ps1') -ModulePath $ModuleOut -ServerPath $ServerOut -Rounds $Count -Seed $Seed -ResultPath $Result -Overlap:$Overlap
    if (-not (Test-Path $Result)) {
        @{ seed = $Seed; rounds = 0; violations = 0; violatingRounds = 0; harnessError = "the chaos suite exited ($LASTEXITCODE) without a result" } | ConvertTo-Json | Set-Content $Result
    }
}

# Synopsis: A short chaos run (10 rounds, or -Rounds; 0 leaves it out) for the Test task; counts into out/test/chaos.json. Needs root.
task ChaosTest Build, {
    $result = Join-Path $TestOut 'chaos.json'
    New-Item -ItemType Directory -Force $TestOut | Out-Null
    if ($Rounds -eq 0) {
        @{ seed = $Seed; rounds = 0; violations = 0; violatingRounds = 0; skipped = 'left out with -Rounds 0' } | ConvertTo-Json | Set-Content $result
        return
    }
    Invoke-Chaos $(if ($Rounds -gt 0) { $Rounds } else { 10 }) $result
}

# Synopsis: The chaos suite in network namespaces (needs root; run it under flock /tmp/siosr53-lab.lock): -Rounds (50) -Seed (1), -Overlap (two faults per round).
task Chaos Build, {
    $result = Join-Path $Out 'chaos/chaos.json'
    Invoke-Chaos $(if ($Rounds -gt 0) { $Rounds } else { 50 }) $result
    $chaos = Get-Content $result -Raw | ConvertFrom-Json
    if ($chaos.harnessError) { throw "The chaos suite failed: $($chaos.harnessError)" }
}

# Synopsis: Every test, xunit, Pester, then a short chaos run; ends with one line "N passed, N failed, N skipped".
task Test UnitTest, PesterTest, ChaosTest, {
    $unit = Get-Content (Join-Path $TestOut 'unit.json') -Raw | ConvertFrom-Json
    $pester = Get-Content (Join-Path $TestOut 'pester.json') -Raw | ConvertFrom-Json
    $chaos = Get-Content (Join-Path $TestOut 'chaos.json') -Raw | ConvertFrom-Json
    # A chaos round is a test: it passes when no invariant was violated in it; a harness that broke is one failure.
    $chaosFailed = [int] $chaos.violatingRounds + [int] [bool] $chaos.harnessError
    $chaosPassed = [int] $chaos.rounds - [int] $chaos.violatingRounds
    $chaosSkipped = [int] [bool] $chaos.skipped
    $passed = $unit.passed + $pester.passed + $chaosPassed
    $failed = $unit.failed + $pester.failed + $chaosFailed
    $skipped = $unit.skipped + $pester.skipped + $chaosSkipped
    print White "xunit:  $($unit.passed) passed, $($unit.failed) failed, $($unit.skipped) skipped"
    print White "Pester: $($pester.passed) passed, $($pester.failed) failed, $($pester.skipped) skipped"
    $why = if ($chaos.skipped) { " (skipped: $($chaos.skipped))" } elseif ($chaos.harnessError) { " (the harness failed: $($chaos.harnessError))" } else { '' }
    print White "Chaos:  $($chaos.rounds) rounds with seed $($chaos.seed), $($chaos.violations) violations in $($chaos.violatingRounds) rounds$why"
    "$passed passed, $failed failed, $skipped skipped" | Set-Content (Join-Path $TestOut 'summary.txt')
    if ($failed -gt 0) { throw "$failed test(s) failed." }
    if ($passed -eq 0) { throw 'No test ran.' }
}

# Synopsis: The seed's configuration for real in network namespaces (needs root), with what a client saw.
task Demo Build, {
    exec { & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'demo/Invoke-Demo.ps1') -ModulePath $ModuleOut -ServerPath $ServerOut }
}

# Synopsis: Every benchmark; reports in bench/results/ (the outage one needs root).
task Bench Build, {
    exec { & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'bench/Invoke-Benchmarks.ps1') -ModulePath $ModuleOut -ServerPath $ServerOut }
}

# ---- installing on a node ----------------------------------------------------------------------------------------

$Installer = Join-Path $Root 'packaging/Install-SiosRoute53.ps1'
$PackageOut = Join-Path $Out 'package'

# Synopsis: Install on this node (as root) or under -DestDir: module for every user, pwsh 7.6 if none, units, the OCF agent, tunables.
task Install Build, {
    exec { & dotnet pwsh -NoProfile -NonInteractive -File $Installer -ModulePath $ModuleOut -DestDir $DestDir }
}

# Synopsis: Remove what Install put on this node (or under -DestDir); never the state directory or its records.
task Uninstall {
    $from = if (Test-Path (Join-Path $ModuleOut 'SiosRoute53.psd1')) { '-ModulePath', $ModuleOut } else { @() }
    exec { & dotnet pwsh -NoProfile -NonInteractive -File $Installer -Uninstall -DestDir $DestDir @from }
}

# Synopsis: The module as a nupkg in out/package, for Install-PSResource from a local repository folder.
task Package Build, {
    remove $PackageOut
    New-Item -ItemType Directory $PackageOut | Out-Null
    Compress-PSResource -Path $ModuleOut -DestinationPath $PackageOut
    print Green "Package $(Get-ChildItem $PackageOut -Filter *.nupkg) in $PackageOut"
}

task . Build
