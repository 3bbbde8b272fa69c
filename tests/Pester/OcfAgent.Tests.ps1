# The OCF resource agent as Pacemaker's own tooling sees it: ocf-tester (resource-agents) runs every action against
# the Route 53-compatible server on loopback, and checks the meta-data against OCF's DTD with xmllint.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../lab/PacemakerLab.psm1') -Force
    $skipReason = Install-PacemakerLabPackages -Package resource-agents, libxml2-utils
    if ($skipReason) { Write-Warning "The ocf-tester tests are skipped: $skipReason." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Set-TestAwsEnvironment
    $ocfHost = Join-Path (Split-Path $env:SIOSR53_TEST_MODULE) 'Ocf'
    $work = Join-Path ([System.IO.Path]::GetTempPath()) "sr53-ocf-$PID"
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
    New-Item -ItemType Directory $work | Out-Null
    & (Join-Path $PSScriptRoot '../../packaging/ocf/Install-OcfAgent.ps1') -HostPath $ocfHost -Prefix "$work/host" -ResourceDirectory "$work/resource.d" | Out-Null
    $agent = "$work/resource.d/siosroute53/route53"
    $server = Start-TestRoute53Server -PropagationSeconds 0.3
    $zone = $server.Zones['corp.example.']
    # Each run its own "node": the agent's run directory (started marks, zone snapshots) lives in the work folder.
    $env:SIOSR53_RUN_DIR = "$work/run"
    Set-Content "$work/tunables" "ROUTE53_CHANGEID_INTERVAL=1`nROUTE53_CHANGEID_TRY_COUNT=10`nROUTE53_RECORD_INTERVAL=1`n"

    function Invoke-OcfTester {
        param([string] $Name, [hashtable] $Parameter)
        $arguments = @('-n', $Name)
        foreach ($k in $Parameter.Keys) { $arguments += '-o', "$k=$($Parameter[$k])" }
        $output = & ocf-tester @arguments $agent 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output -join "`n" }
    }
}

AfterAll {
    Stop-TestRoute53Server $server
    Remove-Item Env:SIOSR53_RUN_DIR -ErrorAction Ignore
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

Describe 'ocf:siosroute53:route53 under ocf-tester' -Skip:([bool] $skipReason) {
    It 'passes every ocf-tester check against the Route 53-compatible server' {
        $result = Invoke-OcfTester 'web-dns' @{
            hostedzoneid = $zone; fullname = 'app.corp.example'; ip = '10.0.1.10'; endpoint_url = $server.Endpoint; cluster = 'lab'; tunables = "$work/tunables"
        }
        $result.Output | Should -Match 'passed all tests'
        $result.ExitCode | Should -Be 0
    }

    It 'meta-data is valid against OCF''s DTD' {
        $xml = & $agent meta-data
        $LASTEXITCODE | Should -Be 0
        $file = "$work/meta-data.xml"
        $xml | Set-Content $file
        $out = & xmllint --noout --dtdvalid /usr/share/resource-agents/ra-api-1.dtd $file 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
    }

    It 'an unknown action is reported as unimplemented (3) and a missing one as a usage error (2)' {
        & $agent promote 2>$null
        $LASTEXITCODE | Should -Be 3
        & $agent 2>$null
        $LASTEXITCODE | Should -Be 2
    }
}

Describe 'about_SiosRoute53_Pacemaker' {
    BeforeAll {
        Import-Module (Get-TestModulePath) -Force
        $text = Get-Help about_SiosRoute53_Pacemaker | Out-String
        $metaData = [xml] (& dotnet (Join-Path (Split-Path $env:SIOSR53_TEST_MODULE) 'Ocf/SiosRoute53.Ocf.dll') meta-data)
    }

    It 'describes every parameter the agent''s meta-data has' {
        foreach ($name in $metaData.'resource-agent'.parameters.parameter.name) { $text | Should -Match "(?m)^\s+$name\s" -Because "'$name' is a parameter" }
    }

    It 'shows the pcs and crm commands for a group with a service' {
        $text | Should -Match 'pcs resource create web-dns ocf:siosroute53:route53'
        $text | Should -Match 'crm configure group web web-dns web-svc'
    }
}
