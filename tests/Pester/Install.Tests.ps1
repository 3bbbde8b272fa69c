# Install, Uninstall and Package, into a temporary root (DESTDIR-style). The installed tree under $root is what a real
# install puts under /: the module in /usr/local/share/powershell/Modules, pwsh at /usr/local/bin/pwsh, the units in
# /etc/systemd/system, the OCF agent in /usr/lib/ocf/resource.d/siosroute53 (its host in /usr/lib/siosroute53/ocf) and
# the tunables in /etc/default/SiosRoute53. The commands run here with a cron-like clean environment in which the
# root's directories stand in for the real ones: PATH starts with $root/usr/local/bin, PSModulePath names
# $root/usr/local/share/powershell/Modules (which a real pwsh has by default; the first test checks that), and
# SIOSR53_STATE_DIR / SIOSR53_TUNABLES name $root/var/lib/siosroute53 and $root/etc/default/SiosRoute53.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $modulePath = Split-Path (Get-TestModulePath)
    $repository = Split-Path (Split-Path $PSScriptRoot)
    $installer = Join-Path $repository 'packaging/Install-SiosRoute53.ps1'
    $version = (Import-PowerShellDataFile (Get-TestModulePath)).ModuleVersion
    $root = Join-Path ([System.IO.Path]::GetTempPath()) "siosr53-install-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    $home_ = Join-Path $root 'home/root'
    $stateDir = Join-Path $root 'var/lib/siosroute53'
    $tunables = Join-Path $root 'etc/default/SiosRoute53'
    New-Item -ItemType Directory -Force $home_ | Out-Null

    function Invoke-Installer([string[]] $More, [switch] $Installed) {
        $from = if ($Installed) { @() } else { '-ModulePath', $modulePath }
        $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $installer -DestDir $root @from @More 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }

    # A command line as cron or systemd would run it, on the installed tree (see the mapping above).
    function Invoke-OnNode([string] $CommandLine) {
        $output = & env -i "HOME=$home_" 'NO_COLOR=1' "PATH=$root/usr/local/bin:/usr/bin:/bin" `
            "PSModulePath=$root/usr/local/share/powershell/Modules" "SIOSR53_STATE_DIR=$stateDir" "SIOSR53_TUNABLES=$tunables" `
            bash -c $CommandLine 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }

    $install = Invoke-Installer
    $pristineTunables = if (Test-Path $tunables) { Get-Content -Raw $tunables }
}

AfterAll {
    if ($root -and (Test-Path $root)) { Remove-Item $root -Recurse -Force }
}

Describe 'Install into a temporary root' {
    It 'succeeds and says where each part went' {
        $install.ExitCode | Should -Be 0 -Because $install.Output
        $install.Output | Should -Match "module SiosRoute53 $([regex]::Escape($version)) -> /usr/local/share/powershell/Modules/SiosRoute53/"
    }

    It 'provides pwsh 7.6 at /usr/local/bin/pwsh whose AllUsers module path is where the module went' {
        (Get-Item (Join-Path $root 'usr/local/bin/pwsh')).LinkTarget | Should -Be '../lib/siosroute53/powershell/pwsh'
        $run = Invoke-OnNode "env -u PSModulePath pwsh -NoProfile -Command '`$PSVersionTable.PSVersion.ToString(); `$env:PSModulePath'"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $lines = $run.Output -split "`n"
        $lines[0] | Should -BeLike '7.6.*'
        $lines[1] -split ':' | Should -Contain '/usr/local/share/powershell/Modules'
        Join-Path $root "usr/local/share/powershell/Modules/SiosRoute53/$version/SiosRoute53.psd1" | Should -Exist
    }

    It 'makes the README''s health-check line work verbatim: exit 0 when healthy, 1 when a failure could not be recovered' {
        $readme = Get-Content (Join-Path $repository 'README.md')
        $line = $readme | Where-Object { $_ -like 'pwsh -NoProfile -Command *Test-HaResource -Recover*' } | Select-Object -First 1
        $line | Should -Not -BeNullOrEmpty -Because 'the README shows the scheduled health check'

        $source = Join-Path $root 'web.source'
        $flag = Join-Path $root 'web.running'
        Set-Content $source 'up'
        $setupScript = Join-Path $root 'setup.ps1'
        @"
Import-Module SiosRoute53
New-HaServiceResource -Tag web -StartCommand 'cp $source $flag' -StopCommand 'rm -f $flag' -CheckCommand 'test -e $flag' | Out-Null
Start-HaResource web | Out-Null
(Get-HaResource web).State
"@ | Set-Content $setupScript
        $setup = Invoke-OnNode "pwsh -NoProfile -File $setupScript"
        $setup.ExitCode | Should -Be 0 -Because $setup.Output
        $setup.Output.Trim() | Should -Be 'ISP'

        (Invoke-OnNode $line).ExitCode | Should -Be 0

        Remove-Item $source, $flag
        $failed = Invoke-OnNode $line
        $failed.ExitCode | Should -Be 1 -Because $failed.Output
    }

    It 'installs the agent unit and a health-check service whose command is the README''s, started by a timer' {
        $units = Join-Path $root 'etc/systemd/system'
        $agent = Get-Content -Raw (Join-Path $units 'siosroute53.service')
        $check = Get-Content -Raw (Join-Path $units 'siosroute53-check.service')
        $timer = Get-Content -Raw (Join-Path $units 'siosroute53-check.timer')
        $agent | Should -Match '(?m)^ExecStart=pwsh .*Start-HaNode'
        $readmeLine = (Get-Content (Join-Path $repository 'README.md')) | Where-Object { $_ -like 'pwsh -NoProfile -Command *Test-HaResource*' } | Select-Object -First 1
        $check | Should -Match "(?m)^ExecStart=$([regex]::Escape($readmeLine))$"
        $check | Should -Match '(?m)^Type=oneshot$'
        $timer | Should -Match '(?m)^OnUnitInactiveSec='
    }

    It 'installs units that systemd-analyze accepts' {
        if (-not (Get-Command systemd-analyze -ErrorAction Ignore)) { Set-ItResult -Skipped -Because 'systemd-analyze is not installed on this machine (it comes with systemd)'; return }
        $units = Get-ChildItem (Join-Path $root 'etc/systemd/system') -File
        $complaints = & systemd-analyze verify --man=no @($units.FullName) 2>&1 | ForEach-Object { "$_" } |
            # pwsh is found through systemd's own search path, which is the real /usr/local/bin, not the temporary root's.
            Where-Object { $_ -notmatch 'Command pwsh is not executable' }
        $complaints | Should -BeNullOrEmpty
    }

    It 'writes a tunables file listing every key, commented out at its default, that reads back as exactly the defaults' {
        Import-Module (Get-TestModulePath) -Force
        $defaults = Get-HaTunable -TunablesPath (Join-Path $root 'no-such-file')
        foreach ($t in $defaults) {
            $pristineTunables | Should -Match "(?m)^#$($t.Key)=" -Because "$($t.Key) is in the catalogue"
        }
        ($pristineTunables -split "`n" | Where-Object { $_ -match '^[A-Z]' }) | Should -BeNullOrEmpty -Because 'every key is commented out'

        $uncommented = Join-Path $root 'uncommented'
        ($pristineTunables -split "`n" | ForEach-Object { $_ -replace '^#(?=[A-Z0-9_]+=)', '' }) | Set-Content $uncommented
        $read = Get-HaTunable -TunablesPath $uncommented
        $read.Count | Should -Be $defaults.Count
        foreach ($t in $read) {
            $t.Source | Should -Be 'File'
            $t.Value | Should -Be ($defaults | Where-Object Key -EQ $t.Key).Value
        }
    }

    It 'never overwrites an existing tunables file on a second install' {
        Add-Content $tunables 'LKCHECKINTERVAL=60'
        $again = Invoke-Installer
        $again.ExitCode | Should -Be 0 -Because $again.Output
        $again.Output | Should -Match 'exists; left as it is'
        Get-Content $tunables | Should -Contain 'LKCHECKINTERVAL=60'
    }

    It 'installs the Pacemaker agent ocf:siosroute53:route53, which names its host where it is on the node and answers meta-data' {
        $agent = Join-Path $root 'usr/lib/ocf/resource.d/siosroute53/route53'
        $agent | Should -Exist
        (& stat -c '%a' $agent) | Should -Be '755'
        $install.Output | Should -Match 'ocf:siosroute53:route53 -> /usr/lib/ocf/resource.d/siosroute53/route53'
        Get-Content -Raw $agent | Should -Match ([regex]::Escape('SIOSR53_OCF_HOST:=/usr/lib/siosroute53/ocf/SiosRoute53.Ocf.dll}')) -Because 'the wrapper must work once the tree is copied to /'
        $installedHost = Join-Path $root 'usr/lib/siosroute53/ocf/SiosRoute53.Ocf.dll'
        $installedHost | Should -Exist
        # Run from the temporary root: the host's path is given, as the wrapper allows.
        $metaData = & env "SIOSR53_OCF_HOST=$installedHost" $agent meta-data 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($metaData | Out-String)
        ([xml] ($metaData -join "`n")).'resource-agent'.name | Should -Be 'route53'
    }

    It 'refuses to install into / without root, changing nothing' {
        if ([System.Environment]::UserName -eq 'root') { Set-ItResult -Skipped -Because 'the tests run as root, and this checks what a user without root is told'; return }
        $refused = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $installer -ModulePath $modulePath 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $refused | Should -Match 'needs root'
    }
}

Describe 'Uninstall from the temporary root' {
    It 'removes the module, pwsh, the units, the OCF agent and an unchanged tunables file; keeps an edited one and never touches the state' {
        $stateBefore = Get-ChildItem $stateDir -Recurse -File | ForEach-Object { "$($_.FullName) $((Get-FileHash $_.FullName).Hash)" }
        $stateBefore | Should -Not -BeNullOrEmpty

        # Without -ModulePath, as after the clone is gone: the installed module says what was installed.
        $first = Invoke-Installer -More '-Uninstall' -Installed
        $first.ExitCode | Should -Be 0 -Because $first.Output
        Join-Path $root 'usr/local/share/powershell/Modules/SiosRoute53' | Should -Not -Exist
        Join-Path $root 'usr/local/lib/siosroute53' | Should -Not -Exist
        Test-Path -LiteralPath (Join-Path $root 'usr/local/bin/pwsh') | Should -BeFalse
        Get-ChildItem (Join-Path $root 'etc/systemd/system') -Filter 'siosroute53*' | Should -BeNullOrEmpty
        Join-Path $root 'usr/lib/ocf/resource.d/siosroute53' | Should -Not -Exist
        Join-Path $root 'usr/lib/siosroute53' | Should -Not -Exist
        Get-Content $tunables | Should -Contain 'LKCHECKINTERVAL=60' -Because 'an edited tunables file is configuration the operator made'
        $first.Output | Should -Match 'was edited; kept'

        Set-Content $tunables $pristineTunables -NoNewline
        $second = Invoke-Installer -More '-Uninstall'
        $second.ExitCode | Should -Be 0 -Because $second.Output
        $tunables | Should -Not -Exist -Because 'a tunables file as Install wrote it is removed'

        $stateAfter = Get-ChildItem $stateDir -Recurse -File | ForEach-Object { "$($_.FullName) $((Get-FileHash $_.FullName).Hash)" }
        $stateAfter | Should -Be $stateBefore
    }
}

Describe 'Package' {
    BeforeAll {
        $feed = Join-Path $root 'feed'
        New-Item -ItemType Directory -Force $feed | Out-Null
        # What the Package task does with the built module.
        Compress-PSResource -Path $modulePath -DestinationPath $feed
    }

    It 'makes a nupkg that <Installer> installs from a local repository folder, and the module then imports' -ForEach @(
        @{ Installer = 'Install-PSResource'; Script = 'Register-PSResourceRepository -Name Local -Uri {0} -Trusted; Install-PSResource SiosRoute53 -Repository Local -Scope CurrentUser' }
        @{ Installer = 'Install-Module'; Script = 'Register-PSRepository -Name Local -SourceLocation {0} -InstallationPolicy Trusted; Install-Module SiosRoute53 -Repository Local -Scope CurrentUser' }
    ) {
        Get-ChildItem $feed -Filter "SiosRoute53.$version.nupkg" | Should -Not -BeNullOrEmpty
        # A home of its own: the repository registration and the CurrentUser scope stay inside the temporary root.
        $userHome = Join-Path $root "home/$Installer"
        New-Item -ItemType Directory -Force $userHome | Out-Null
        $run = Invoke-FreshPwsh -Environment @{ HOME = $userHome; XDG_DATA_HOME = ''; XDG_CONFIG_HOME = ''; PSModulePath = '' } -Script (
            '$ErrorActionPreference = ''Stop''; ' + ($Script -f "'$feed'") + '; Import-Module SiosRoute53; ' +
            '(Get-Module SiosRoute53).ModuleBase; (Get-Command -Module SiosRoute53 -CommandType Cmdlet).Count')
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error)
        $run.Output[-2] | Should -Be (Join-Path $userHome ".local/share/powershell/Modules/SiosRoute53/$version")
        [int] $run.Output[-1] | Should -Be (Import-PowerShellDataFile (Get-TestModulePath)).CmdletsToExport.Count
    }
}
