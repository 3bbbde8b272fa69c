BeforeDiscovery {
    $manifest = Import-PowerShellDataFile (Join-Path $env:SIOSR53_TEST_MODULE 'SiosRoute53.psd1')
    $commands = $manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a synopsis that is not the generated syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^$Name "
    }

    It 'has a description' {
        ($help.Description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code and an explanation' {
        $help.Examples.Example.Count | Should -BeGreaterThan 0
        foreach ($example in $help.Examples.Example) {
            $example.Code | Should -Not -BeNullOrEmpty
            ($example.Remarks.Text -join '') | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter' {
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = $help.Parameters.Parameter | Where-Object Name -EQ $parameter
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameter must be in the help"
            ($entry.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'shows every parameter set in SYNTAX, with -WhatIf and -Confirm when it takes them and switches as switches' {
        @($help.Syntax.SyntaxItem).Count | Should -Be $command.ParameterSets.Count
        $syntax = ($help.Syntax | Out-String) -replace '\s+', ' '
        if ($command.Parameters.ContainsKey('WhatIf')) {
            $syntax | Should -Match '\[-WhatIf\]'
            $syntax | Should -Match '\[-Confirm\]'
        }
        else { $syntax | Should -Not -Match 'WhatIf' }
        foreach ($switch in $command.Parameters.Values | Where-Object { $_.SwitchParameter -and $_.Name -notin $common }) {
            $syntax | Should -Match "\[-$($switch.Name)\]" -Because "-$($switch.Name) is a switch"
        }
        $syntax | Should -Not -Match 'SwitchParameter'
    }

    It 'links to about_SiosRoute53' {
        $help.RelatedLinks.NavigationLink.LinkText | Should -Contain 'about_SiosRoute53'
    }
}

Describe 'about_SiosRoute53' {
    It 'is found by Get-Help' {
        (Get-Help about_SiosRoute53 | Out-String) | Should -Match 'Keeps a service reachable by DNS name'
    }
}

Describe 'about_SiosRoute53 on the cluster' {
    It 'covers the agent, quorum, witness sizing, fencing, switchover and failover' {
        $text = Get-Help about_SiosRoute53 | Out-String
        foreach ($topic in 'Start-HaNode', 'QUORUM_MODE', 'Witness sizing', 'QUORUM_LOSS_ACTION', 'Invoke-Switchover', 'Failover') {
            $text | Should -Match ([regex]::Escape($topic)) -Because "about_SiosRoute53 must explain $topic"
        }
    }
}
