# A Pacemaker + Corosync cluster in network namespaces: a switch namespace with a bridge, one namespace per node and
# one for the Route 53-compatible server. Each node also has its own mount namespace, so /etc/corosync,
# /var/lib/corosync, /var/lib/pacemaker, /var/log, /run and /dev/shm are its own (libqb's IPC sockets and Pacemaker's
# state must not be shared), and its own view of /usr/lib/ocf/resource.d with our agent laid over Debian's. Each node
# runs `corosync -f` and `pacemakerd -f`; fencing is off (the record's compare-and-swap is what keeps it safe here).
# Used by the Pacemaker tests and the Pacemaker benchmark. Needs root; the packages are installed when missing.

Import-Module (Join-Path $PSScriptRoot 'ClusterLab.psm1') -Function Invoke-Native, Add-LabHost, Start-LabProcess, Start-LabServer, Wait-LabCondition

$script:Subnet = '10.54.0'
# Everything the lab and the agent's tests use, installed together the first time any of it is missing: one
# `apt-get update`, one install. No qnetd/qdevice (three nodes vote) and no fence agents (fencing is off in the lab).
$script:Packages = @('pacemaker', 'pacemaker-cli-utils', 'corosync', 'resource-agents', 'libxml2-utils', 'bind9-dnsutils')
# A failed install is remembered for an hour, so the next test file does not wait on apt-get again.
$script:AptFailure = Join-Path ([System.IO.Path]::GetTempPath()) 'siosr53-pacemaker-apt.failed'

function Install-PacemakerLabPackages {
    <# Installs what the lab needs (as root, apt-get, time-bounded) when it is missing; returns why the lab cannot
    run, or nothing. #>
    param(
        # What the caller needs; when any of it is missing, the whole lab set (and these) is installed.
        [string[]] $Package = $script:Packages,
        [int] $TimeoutSeconds = 600
    )
    if ((& id -u) -ne '0') { return 'the Pacemaker lab needs root (network and mount namespaces, packages)' }
    foreach ($tool in 'ip', 'unshare', 'nsenter', 'dpkg-query') {
        if (-not (Get-Command $tool -ErrorAction Ignore)) { return "the Pacemaker lab needs '$tool' (iproute2, util-linux, dpkg)" }
    }
    $missing = @(Get-MissingPackage $Package)
    if ($missing) {
        if ((Test-Path $script:AptFailure) -and (Get-Item $script:AptFailure).LastWriteTimeUtc -gt [DateTime]::UtcNow.AddHours(-1)) {
            return "packages $($missing -join ', ') are missing and apt-get could not install them: $((Get-Content $script:AptFailure -Raw).Trim())"
        }
        if (-not (Get-Command apt-get -ErrorAction Ignore)) { return "packages $($missing -join ', ') are missing and there is no apt-get" }
        $all = @($script:Packages + $Package | Select-Object -Unique)
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        # policy-rc.d (for the install only) keeps the packages' scripts from starting corosync or pacemaker on the
        # machine itself: the lab runs them in its namespaces only.
        $policy = if (-not (Test-Path /usr/sbin/policy-rc.d)) { '/usr/sbin/policy-rc.d' }
        if ($policy) { Set-Content $policy "#!/bin/sh`nexit 101`n"; & chmod 755 $policy }
        try {
            $out = & bash -c "export DEBIAN_FRONTEND=noninteractive; timeout $TimeoutSeconds apt-get update -qq 2>&1 && timeout $TimeoutSeconds apt-get install -y -qq --no-install-recommends $($all -join ' ') 2>&1"
            $exit = $LASTEXITCODE
        }
        finally { if ($policy) { Remove-Item $policy -ErrorAction Ignore } }
        $still = @(Get-MissingPackage $Package)
        if ($exit -or $still) {
            $why = "exit $exit$(if ($exit -eq 124) { ' (timed out)' }): $(($out | Select-Object -Last 3) -join ' ')"
            Set-Content $script:AptFailure $why
            return "packages $($still -join ', ') are missing and apt-get could not install them: $why"
        }
        Write-Host "Installed $($all -join ', ') with apt-get in $($clock.Elapsed.TotalSeconds.ToString('0')) s."
    }
    $probe = "pkprobe$PID"
    & bash -c "ip netns add $probe && ip netns exec $probe unshare --mount true && ip netns del $probe" 2>$null
    if ($LASTEXITCODE) { ip netns del $probe 2>$null; return 'network or mount namespaces cannot be created here' }
}

function Get-MissingPackage([string[]] $Package) {
    $Package | Where-Object { (& dpkg-query -W -f '${Status}' $_ 2>$null) -notmatch 'install ok installed' }
}

function New-PacemakerLab {
    <# Creates the switch, the server's namespace and the nodes' namespaces; the cluster starts with Start-PacemakerLab. #>
    param(
        [Parameter(Mandatory)] [string] $Root,
        [Parameter(Mandatory)] [string] $OcfPath,
        [Parameter(Mandatory)] [string] $ServerPath,
        [Parameter(Mandatory)] [string] $AccessKey,
        [Parameter(Mandatory)] [string] $SecretKey,
        [int] $NodeCount = 3,
        [string] $Prefix = "pk$($PID % 10000)"
    )
    Get-ChildItem /var/run/netns -ErrorAction Ignore | Where-Object Name -Like "$Prefix-*" | ForEach-Object { Invoke-Native "ip netns del $($_.Name)" -IgnoreFailure | Out-Null }
    $lab = [pscustomobject]@{
        Prefix = $Prefix; Root = $Root; Switch = "$Prefix-sw"; Namespaces = [ordered]@{}; Addresses = [ordered]@{}
        Nodes = @(1..$NodeCount | ForEach-Object { "n$_" }); Pids = @{}; Server = $null; ZoneId = $null
        ServerEndpoint = "http://$($script:Subnet).2:8053"; ServerPath = $ServerPath; OcfPath = $OcfPath
        AccessKey = $AccessKey; SecretKey = $SecretKey; Tunables = Join-Path $Root 'tunables'
    }
    New-Item -ItemType Directory -Force $Root | Out-Null
    Invoke-Native "ip netns add $($lab.Switch) && ip -n $($lab.Switch) link set lo up && ip -n $($lab.Switch) link add br0 type bridge && ip -n $($lab.Switch) link set br0 up" | Out-Null
    Add-LabHost $lab aws "$($script:Subnet).2" 2
    $i = 0
    foreach ($node in $lab.Nodes) { $i++; Add-LabHost $lab $node "$($script:Subnet).1$i" (10 + $i) }
    # For the AWS CLI (ocf:heartbeat:aws-vpc-route53 in the benchmark): a profile with text output, keys, an endpoint
    # wrapper (its awscli parameter), and a resolver that is the server's DNS frontend (its monitor asks dig first).
    New-Item -ItemType Directory -Force "$Root/aws" | Out-Null
    Set-Content "$Root/aws/config" "[default]`nregion = us-east-1`noutput = text`n"
    Set-Content "$Root/aws/credentials" "[default]`naws_access_key_id = $AccessKey`naws_secret_access_key = $SecretKey`n"
    Set-Content "$Root/aws/aws-endpoint" "#!/bin/sh`necho `"`$*`" >> '$Root/aws/calls.log'`nexec /usr/bin/aws --endpoint-url $($lab.ServerEndpoint) `"`$@`"`n"
    Set-Content "$Root/aws/resolv.conf" "nameserver $($script:Subnet).2`noptions timeout:1 attempts:1`n"
    Invoke-Native "chmod 700 '$Root/aws/aws-endpoint' && chmod 600 '$Root/aws/credentials'" | Out-Null
    Set-Content $lab.Tunables "ROUTE53_RECORD_INTERVAL=1`nROUTE53_CHANGEID_INTERVAL=1`nROUTE53_CHANGEID_TRY_COUNT=20`nROUTE53_RECORDCHECK_INTERVAL=1`nROUTE53_RECORDCHECK_TRY_COUNT=2`n"
    $lab
}

function Get-CorosyncConfig {
    param($Lab)
    $nodes = for ($i = 1; $i -le $Lab.Nodes.Count; $i++) { "  node {`n    ring0_addr: $($Lab.Addresses[$Lab.Nodes[$i - 1]])`n    name: $($Lab.Nodes[$i - 1])`n    nodeid: $i`n  }" }
    @"
totem {
  version: 2
  cluster_name: $($Lab.Prefix)
  transport: knet
  token: 1000
  crypto_cipher: none
  crypto_hash: none
}
nodelist {
$($nodes -join "`n")
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_logfile: yes
  logfile: /var/log/corosync/corosync.log
  to_stderr: no
  to_syslog: no
  timestamp: on
}
"@
}

# The CIB a node starts from: fencing off (the lab has none) and a 2 s dc-deadtime instead of Pacemaker's 20 s
# election wait. Written before the first start, so the cluster never runs with the defaults. Its feature set is the
# installed Pacemaker's own (pacemakerd --features): pacemaker-based discards every update to a CIB that claims a
# newer one than its own, and the controller then exits before the election ("Node update failed: Protocol not
# supported"), over and over.
$script:SeedCib = @'
<cib crm_feature_set="@FEATURES@" validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>
        <nvpair id="cib-bootstrap-options-cluster-recheck-interval" name="cluster-recheck-interval" value="1min"/>
      </cluster_property_set>
    </crm_config>
    <rsc_defaults>
      <meta_attributes id="rsc-options">
        <nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="100"/>
      </meta_attributes>
    </rsc_defaults>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
'@

function Start-PacemakerLabNode {
    <# Boots nodes side by side: private mounts, then corosync -f and pacemakerd -f in each node's namespaces. #>
    param($Lab, [string[]] $Node)
    $agentDirectory = Join-Path $Lab.Root 'ocf'
    if (-not (Test-Path "$agentDirectory/siosroute53/route53")) {
        # One copy of the agent for every node, laid over /usr/lib/ocf/resource.d in each node's mount namespace.
        & (Join-Path $PSScriptRoot '../packaging/ocf/Install-OcfAgent.ps1') -HostPath $Lab.OcfPath -Prefix (Join-Path $Lab.Root 'ocf-host') -ResourceDirectory $agentDirectory | Out-Null
    }
    foreach ($n in $Node) {
        $d = Join-Path $Lab.Root $n
        if (-not (Test-Path "$d/var-lib-pacemaker/cib/cib.xml")) { Initialize-PacemakerLabNode $Lab $d }
        # The agents inherit this environment through pacemakerd and pacemaker-execd: the lab's keys, never metadata.
        Set-Content "$d/boot.sh" @"
mount --make-rprivate /
mount --bind '$d/etc-corosync' /etc/corosync
mount --bind '$d/var-lib-corosync' /var/lib/corosync
mount --bind '$d/var-lib-pacemaker' /var/lib/pacemaker
mount --bind '$d/log' /var/log
mount -t overlay overlay -o 'lowerdir=${agentDirectory}:/usr/lib/ocf/resource.d' /usr/lib/ocf/resource.d
mount --bind '$($Lab.Root)/aws/resolv.conf' /etc/resolv.conf
mount -t tmpfs tmpfs /run
mkdir -p /run/crm /run/lock /run/resource-agents; chown hacluster:haclient /run/crm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
export AWS_ACCESS_KEY_ID='$($Lab.AccessKey)' AWS_SECRET_ACCESS_KEY='$($Lab.SecretKey)' AWS_EC2_METADATA_DISABLED=true AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9/ AWS_CONFIG_FILE='$($Lab.Root)/aws/config' AWS_SHARED_CREDENTIALS_FILE='$($Lab.Root)/aws/credentials'
echo `$`$ > '$d/pid'
corosync -f &
for i in `$(seq 50); do corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.1; done
PCMK_logfile=/var/log/pacemaker/pacemaker.log exec pacemakerd -f
"@
        Remove-Item "$d/pid" -ErrorAction Ignore
        # A node booted again: whatever its last life left in the namespace would hold libqb's (per-namespace) sockets.
        Invoke-Native "ip netns pids $($Lab.Namespaces[$n]) | xargs -r kill -9" -IgnoreFailure | Out-Null
        $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
        $psi.ArgumentList.Add('-c')
        $psi.ArgumentList.Add("exec ip netns exec $($Lab.Namespaces[$n]) unshare --mount bash '$d/boot.sh' >> '$d/boot.log' 2>&1 < /dev/null")
        $psi.UseShellExecute = $false
        $null = [System.Diagnostics.Process]::Start($psi)
    }
    foreach ($n in $Node) {
        $pidFile = Join-Path $Lab.Root "$n/pid"
        $Lab.Pids[$n] = [int] (Wait-LabCondition -Seconds 30 -Because "$n boots" { if (Test-Path $pidFile) { (Get-Content $pidFile -Raw).Trim() } })
    }
}

function Initialize-PacemakerLabNode {
    <# A node's private directories: corosync.conf, the seed CIB (owned by hacluster, as Pacemaker requires), logs. #>
    param($Lab, [string] $Directory)
    $d = $Directory
    foreach ($sub in 'etc-corosync', 'var-lib-corosync', 'var-lib-pacemaker/cib', 'var-lib-pacemaker/pengine', 'var-lib-pacemaker/blackbox',
        'var-lib-pacemaker/cores', 'log/corosync', 'log/pacemaker') { New-Item -ItemType Directory -Force (Join-Path $d $sub) | Out-Null }
    Set-Content "$d/etc-corosync/corosync.conf" (Get-CorosyncConfig $Lab)
    $features = [regex]::Match((& pacemakerd --features) -join "`n", 'Supporting v([0-9.]+)').Groups[1].Value
    if (-not $features) { throw 'pacemakerd --features does not name its CIB feature set; the seed CIB cannot be written.' }
    Set-Content "$d/var-lib-pacemaker/cib/cib.xml" $script:SeedCib.Replace('@FEATURES@', $features)
    Invoke-Native "chown -R hacluster:haclient '$d/var-lib-pacemaker' '$d/log/pacemaker' && chmod 600 '$d/var-lib-pacemaker/cib/cib.xml'" | Out-Null
}

function Start-PacemakerLab {
    <# Starts the server (in its own namespace) and every node; waits until all nodes are online with a DC. #>
    param($Lab, [double] $PropagationSeconds = 1, [double] $TimeoutSeconds = 120, [string] $ControlToken,
        # Starts the server instead of the lab's default (the benchmark's counting server); gets the lab.
        [scriptblock] $Server)
    # The server process inherits this: its faults can then be switched at run time (PUT /_control/faults).
    if ($ControlToken) { $env:SIOSR53_CONTROL_TOKEN = $ControlToken }
    try { if ($Server) { & $Server $Lab } else { Start-LabServer $Lab -PropagationSeconds $PropagationSeconds } }
    finally { Remove-Item Env:SIOSR53_CONTROL_TOKEN -ErrorAction Ignore }
    Start-PacemakerLabNode $Lab $Lab.Nodes
    Wait-PacemakerLabOnline $Lab -Nodes $Lab.Nodes -TimeoutSeconds $TimeoutSeconds
}

function Get-PacemakerLabStatus {
    <# crm_mon's XML status as seen from a node, or nothing while that node cannot answer. Pacemaker 2.1 wraps it in
    <pacemaker-result> (older versions in <crm_mon>): read with XPath, whatever the root. #>
    param($Lab, [string] $Node)
    $xml = (Invoke-PacemakerLabNode $Lab $Node 'crm_mon -1 --output-as=xml' -IgnoreFailure) -join "`n"
    if ($xml -notmatch '<(pacemaker-result|crm_mon)[ >]') { return }
    try { [xml] $xml } catch { }
}

function Wait-PacemakerLabOnline {
    param($Lab, [string[]] $Nodes, [double] $TimeoutSeconds = 120)
    $null = Wait-LabCondition -Seconds $TimeoutSeconds -Because "nodes $($Nodes -join ', ') are online with a DC" {
        $doc = Get-PacemakerLabStatus $Lab $Nodes[0]
        if (-not $doc) { return $false }
        $online = @($doc.SelectNodes('//nodes/node[@online="true"]') | ForEach-Object name)
        $doc.SelectSingleNode('//summary/current_dc[@present="true"]') -and -not ($Nodes | Where-Object { $_ -notin $online })
    }
}

function Invoke-PacemakerLabNode {
    <# Runs a shell command inside a node's network and mount namespaces (as Pacemaker's tools must be run there). #>
    param($Lab, [string] $Node, [string] $Command, [switch] $IgnoreFailure)
    Invoke-Native "nsenter -t $($Lab.Pids[$Node]) -m -n bash -c '$($Command -replace "'", "'\''")'" -IgnoreFailure:$IgnoreFailure
}

function Get-PacemakerLabResource {
    <# Where a resource runs, by crm_mon on a node: the node names (none when stopped). #>
    param($Lab, [string] $Node, [string] $Resource)
    $doc = Get-PacemakerLabStatus $Lab $Node
    if ($doc) { @($doc.SelectNodes("//resource[@id='$Resource' and @role='Started']/node") | ForEach-Object name) }
}

function Stop-PacemakerLabCorosync {
    <# Kills a node's corosync (SIGKILL by default): the others see it leave; its pacemakerd follows. #>
    param($Lab, [string] $Node, [string] $Signal = 'KILL')
    $ns = $Lab.Namespaces[$Node]
    Invoke-Native "for p in `$(ip netns pids $ns); do [ `"`$(cat /proc/`$p/comm 2>/dev/null)`" = corosync ] && kill -$Signal `$p; done; true" | Out-Null
}

function Get-PacemakerLabLog {
    <# A node's Pacemaker log lines that match a pattern. #>
    param($Lab, [string] $Node, [string] $Pattern = '.')
    Get-Content (Join-Path $Lab.Root "$Node/log/pacemaker/pacemaker.log") -ErrorAction Ignore | Where-Object { $_ -match $Pattern }
}

function Remove-PacemakerLab {
    param($Lab)
    if (-not $Lab) { return }
    foreach ($ns in @($Lab.Namespaces.Values)) { Invoke-Native "ip netns pids $ns | xargs -r kill -9" -IgnoreFailure | Out-Null }
    if ($Lab.Server -and -not $Lab.Server.Process.HasExited) { $Lab.Server.Process.Kill($true) }
    foreach ($ns in @($Lab.Namespaces.Values) + $Lab.Switch) { Invoke-Native "ip netns del $ns" -IgnoreFailure | Out-Null }
}

Export-ModuleMember -Function *-PacemakerLab*, Install-PacemakerLabPackages, Invoke-PacemakerLabNode, Stop-PacemakerLabCorosync, Wait-LabCondition
