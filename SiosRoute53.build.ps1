<#
.SYNOPSIS
    Invoke-Build tasks for SiosRoute53. Start them through ./build.ps1, which restores the pinned tools first.
#>
param(
    [string] $Configuration = 'Release',
    [string] $Packages
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
    Invoke-Dotnet publish (Join-Path $Root 'src/SiosRoute53.Cmdlets') -c $Configuration -o $bin "-p:Version=$Version" --nologo -v quiet
    Invoke-Dotnet publish (Join-Path $Root 'src/SiosRoute53.LoadContext') -c $Configuration -o $bin "-p:Version=$Version" --nologo -v quiet
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

# Synopsis: Every test, xunit then Pester; ends with one line "N passed, N failed, N skipped".
task Test UnitTest, PesterTest, {
    $unit = Get-Content (Join-Path $TestOut 'unit.json') -Raw | ConvertFrom-Json
    $pester = Get-Content (Join-Path $TestOut 'pester.json') -Raw | ConvertFrom-Json
    $passed = $unit.passed + $pester.passed
    $failed = $unit.failed + $pester.failed
    $skipped = $unit.skipped + $pester.skipped
    print White "xunit:  $($unit.passed) passed, $($unit.failed) failed, $($unit.skipped) skipped"
    print White "Pester: $($pester.passed) passed, $($pester.failed) failed, $($pester.skipped) skipped"
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

task . Build
