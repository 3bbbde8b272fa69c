<#
.SYNOPSIS
    The demo's protected service: answers every HTTP request with the name of the node it runs on.
#>
param([Parameter(Mandatory)] [string] $Address, [Parameter(Mandatory)] [string] $Node, [int] $Port = 8080)
$listener = [System.Net.HttpListener]::new()
$listener.Prefixes.Add("http://${Address}:$Port/")
$listener.Start()
try {
    while ($listener.IsListening) {
        $context = $listener.GetContext()
        $bytes = [System.Text.Encoding]::UTF8.GetBytes("$Node`n")
        $context.Response.ContentType = 'text/plain'
        $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
        $context.Response.Close()
    }
}
finally { $listener.Stop() }
