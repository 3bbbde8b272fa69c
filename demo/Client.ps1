<#
.SYNOPSIS
    The demo's on-premises client: resolves the service's name (caching it for the record's TTL, as a resolver
    does) and calls the service, about five times a second, writing one JSON line per attempt.
#>
param(
    [Parameter(Mandatory)] [string] $Name,
    [Parameter(Mandatory)] [string] $DnsServer,
    [Parameter(Mandatory)] [string] $DnsClientPath,
    [Parameter(Mandatory)] [string] $Timeline,
    [Parameter(Mandatory)] [string] $StopFile,
    [int] $Port = 8080
)
Add-Type -Path $DnsClientPath
$options = [DnsClient.LookupClientOptions]::new([System.Net.IPEndPoint]::Parse($DnsServer))
$options.UseCache = $false
$options.Timeout = [TimeSpan]::FromSeconds(1)
$resolver = [DnsClient.LookupClient]::new($options)
$http = [System.Net.Http.HttpClient]::new()
$http.Timeout = [TimeSpan]::FromMilliseconds(800)
$cached = $null
$expires = [DateTime]::MinValue
while (-not (Test-Path $StopFile)) {
    $now = [DateTime]::UtcNow
    $entry = [ordered]@{ time = $now.ToString('o'); address = $null; answer = $null; error = $null }
    try {
        if ($now -ge $expires) {
            $a = $resolver.Query($Name, [DnsClient.QueryType]::A).Answers | Where-Object { $_ -is [DnsClient.Protocol.ARecord] } | Select-Object -First 1
            if ($a) { $cached = $a.Address.ToString(); $expires = $now.AddSeconds([Math]::Max(1, $a.InitialTimeToLive)) } else { $cached = $null }
        }
        $entry.address = $cached
        if (-not $cached) { throw "$Name does not resolve" }
        $entry.answer = $http.GetStringAsync("http://${cached}:$Port/").GetAwaiter().GetResult().Trim()
    }
    catch { $entry.error = $_.Exception.GetBaseException().Message }
    ($entry | ConvertTo-Json -Compress) | Add-Content $Timeline
    Start-Sleep -Milliseconds 200
}
