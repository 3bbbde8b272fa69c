<#
.SYNOPSIS
    Samples the chaos lab every -IntervalMs until -StopFile exists: each node's state of the hierarchy (read from its
    state file) and what the on-premises client's DNS answers for the record and its ownership mark.
.DESCRIPTION
    Runs in the client's namespace (state files are on the shared filesystem). One sample is one JSON line:
    t (Unix ms, at the DNS answer), n1/n2 (the hierarchy's state on node1/node2), a (the A record), m (the node the
    mark names), then n1b/n2b: the two state files read again after the DNS answer. The reads are bracketed, so a
    verdict of "two nodes in service at once" rests on both nodes in service at one instant (node2 read between two
    reads of node1 that both say in service), never on two readings at different moments.
#>
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $Tag,
    [Parameter(Mandatory)] [string] $Name,
    [Parameter(Mandatory)] [string] $DnsServer,
    [Parameter(Mandatory)] [string] $DnsClientPath,
    [Parameter(Mandatory)] [string] $Output,
    [Parameter(Mandatory)] [string] $StopFile,
    [int] $IntervalMs = 500
)
$ErrorActionPreference = 'Stop'
Add-Type -Path $DnsClientPath
$options = [DnsClient.LookupClientOptions]::new([System.Net.IPEndPoint]::Parse($DnsServer))
$options.UseCache = $false
$options.Timeout = [TimeSpan]::FromMilliseconds(400)
$options.Retries = 0
$dns = [DnsClient.LookupClient]::new($options)
$markName = "_siosroute53.$Name"

function Read-State([string] $node) {
    $file = Join-Path $Root "$node/state/state.json"
    try {
        $state = [System.IO.File]::ReadAllText($file) | ConvertFrom-Json
        $entry = $state.states | Where-Object { $_.tag -eq $Tag -and $_.node -eq $node } | Select-Object -First 1
        if ($entry) { "$($entry.state)" } else { 'none' }
    }
    catch { 'unreadable' }
}

function Read-Dns {
    $a = $m = ''
    try { $a = ($dns.Query($Name, [DnsClient.QueryType]::A).Answers | ForEach-Object { $_.Address.ToString() }) -join ',' } catch { $a = 'error' }
    try {
        $text = ($dns.Query($markName, [DnsClient.QueryType]::TXT).Answers | ForEach-Object { $_.Text -join '' }) -join ' '
        if ($text -match 'node=(\S+)') { $m = $Matches[1].Trim('"') }
    }
    catch { $m = 'error' }
    $a, $m
}

$writer = [System.IO.StreamWriter]::new($Output, $true)
$writer.AutoFlush = $true
try {
    while (-not (Test-Path $StopFile)) {
        $started = [DateTime]::UtcNow
        $n1 = Read-State node1
        $n2 = Read-State node2
        $a, $m = Read-Dns
        $t = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $n1b = Read-State node1
        $n2b = Read-State node2
        $writer.WriteLine((@{ t = $t; n1 = $n1; n2 = $n2; a = $a; m = $m; n1b = $n1b; n2b = $n2b } | ConvertTo-Json -Compress))
        $rest = $IntervalMs - ([DateTime]::UtcNow - $started).TotalMilliseconds
        if ($rest -gt 0) { Start-Sleep -Milliseconds $rest }
    }
}
finally { $writer.Dispose() }
