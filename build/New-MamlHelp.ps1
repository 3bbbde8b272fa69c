<#
.SYNOPSIS
    Builds the module's MAML help (en-US/SiosRoute53.Cmdlets.dll-Help.xml) from docs/cmdlets/<Verb-Noun>.md.
.DESCRIPTION
    Text comes from the markdown, parsed with Markdig; syntax, types, positions and pipeline input come from the
    built cmdlets themselves, so the two cannot drift apart. The build fails when a cmdlet has no page, a page lacks
    a synopsis, a description or an example, or a parameter is undocumented or documented but absent.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $Packages
)
$ErrorActionPreference = 'Stop'
Add-Type -Path (Join-Path $Packages 'markdig/1.6.0/lib/net8.0/Markdig.dll')
Import-Module (Join-Path $ModulePath 'SiosRoute53.psd1') -Force

$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
# -WhatIf and -Confirm are common parameters, but a user reads SYNTAX to learn whether a cmdlet takes them: they are
# listed (and described, from CommonParameters.md) for every cmdlet that supports ShouldProcess.
$shouldProcess = 'WhatIf', 'Confirm'

function Get-InlineText($inline) {
    $sb = [System.Text.StringBuilder]::new()
    for ($node = $inline; $null -ne $node; $node = $node.NextSibling) {
        switch ($node.GetType().Name) {
            'LiteralInline' { [void]$sb.Append($node.Content.ToString()) }
            'CodeInline' { [void]$sb.Append($node.Content) }
            'LineBreakInline' { [void]$sb.Append(' ') }
            'HtmlEntityInline' { [void]$sb.Append($node.Transcoded.ToString()) }
            default { if ($node -is [Markdig.Syntax.Inlines.ContainerInline]) { [void]$sb.Append((Get-InlineText $node.FirstChild)) } }
        }
    }
    $sb.ToString()
}

function Get-BlockParagraphs($block) {
    # A paragraph is one para; a list becomes one para per item, prefixed with a dash.
    switch ($block.GetType().Name) {
        'ParagraphBlock' { Get-InlineText $block.Inline.FirstChild }
        'ListBlock' { foreach ($item in $block) { foreach ($inner in $item) { '- ' + ((Get-BlockParagraphs $inner) -join ' ') } } }
        'FencedCodeBlock' { $block.Lines.ToString() }
        'CodeBlock' { $block.Lines.ToString() }
        'QuoteBlock' { foreach ($inner in $block) { Get-BlockParagraphs $inner } }
    }
}

function Read-CommandPage([string] $path) {
    $doc = [Markdig.Markdown]::Parse((Get-Content $path -Raw))
    $page = @{ Synopsis = @(); Description = @(); Examples = [System.Collections.Generic.List[object]]::new()
        Parameters = [ordered]@{}; Inputs = @(); Outputs = @(); Notes = @(); Links = @() }
    $section = $null; $current = $null
    foreach ($block in $doc) {
        if ($block -is [Markdig.Syntax.HeadingBlock]) {
            $title = (Get-InlineText $block.Inline.FirstChild).Trim()
            if ($block.Level -eq 2) { $section = $title.ToUpperInvariant(); $current = $null }
            elseif ($block.Level -eq 3 -and $section -eq 'EXAMPLES') {
                $current = [pscustomobject]@{ Title = $title; Code = $null; Remarks = [System.Collections.Generic.List[string]]::new() }
                $page.Examples.Add($current)
            }
            elseif ($block.Level -eq 3 -and $section -eq 'PARAMETERS') {
                $current = $title.TrimStart('-')
                $page.Parameters[$current] = [System.Collections.Generic.List[string]]::new()
            }
            continue
        }
        $paras = @(Get-BlockParagraphs $block)
        switch ($section) {
            'SYNOPSIS' { $page.Synopsis += $paras }
            'DESCRIPTION' { $page.Description += $paras }
            'EXAMPLES' {
                if ($null -eq $current) { break }
                if ($block -is [Markdig.Syntax.FencedCodeBlock] -and $null -eq $current.Code) { $current.Code = $block.Lines.ToString().TrimEnd() }
                else { $paras | ForEach-Object { $current.Remarks.Add($_) } }
            }
            'PARAMETERS' { if ($null -ne $current) { $paras | ForEach-Object { $page.Parameters[$current].Add($_) } } }
            'INPUTS' { $page.Inputs += $paras }
            'OUTPUTS' { $page.Outputs += $paras }
            'NOTES' { $page.Notes += $paras }
            'RELATED LINKS' { $page.Links += $paras | ForEach-Object { $_.TrimStart('- ') } }
        }
    }
    $page
}

# Parameters that many cmdlets share (AWS access, state directory, tunables) are described once, in
# docs/cmdlets/CommonParameters.md; a cmdlet's own page may still describe them its own way.
$shared = (Read-CommandPage (Join-Path $DocsPath 'cmdlets/CommonParameters.md')).Parameters

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmdNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$outDir = Join-Path $ModulePath 'en-US'
New-Item -ItemType Directory -Force $outDir | Out-Null
$target = Join-Path $outDir 'SiosRoute53.Cmdlets.dll-Help.xml'
$w = [System.Xml.XmlWriter]::Create($target, $settings)
$problems = [System.Collections.Generic.List[string]]::new()

function Write-Paras([string[]] $paras) {
    $w.WriteStartElement('maml', 'description', $maml)
    foreach ($p in $paras) { $w.WriteElementString('maml', 'para', $maml, $p) }
    $w.WriteEndElement()
}

function Write-Parameter($param, $setParam, [string[]] $text) {
    $w.WriteStartElement('command', 'parameter', $cmdNs)
    $required = if ($setParam) { $setParam.IsMandatory } else { ($param.ParameterSets.Values | Where-Object IsMandatory).Count -gt 0 }
    $positions = if ($setParam) { @($setParam.Position) } else { @($param.ParameterSets.Values.Position) }
    $position = $positions | Where-Object { $_ -ge 0 } | Select-Object -First 1
    $position = if ($null -ne $position) { "$position" } else { 'named' }
    $byValue = ($param.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
    $byName = ($param.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
    $pipeline = if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
    $w.WriteAttributeString('required', "$required".ToLowerInvariant())
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', 'false')
    $w.WriteAttributeString('pipelineInput', $pipeline)
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $(if ($param.Aliases.Count) { $param.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $maml, $param.Name)
    Write-Paras $text
    # A switch takes no value: without a parameterValue, Get-Help shows [-Force], not [-Force <SwitchParameter>].
    if ($param.ParameterType -ne [switch]) {
        $w.WriteStartElement('command', 'parameterValue', $cmdNs)
        $w.WriteAttributeString('required', 'true')
        $w.WriteAttributeString('variableLength', 'false')
        # Nullable`1 says nothing to a reader: a [DateTimeOffset?] parameter takes a DateTimeOffset.
        $w.WriteString(([Nullable]::GetUnderlyingType($param.ParameterType) ?? $param.ParameterType).Name)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $dev)
    $w.WriteElementString('maml', 'name', $maml, $param.ParameterType.FullName)
    $w.WriteEndElement()
    $validValues = $param.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($validValues) {
        $w.WriteStartElement('command', 'parameterValueGroup', $cmdNs)
        foreach ($v in $validValues.ValidValues) {
            $w.WriteStartElement('command', 'parameterValue', $cmdNs)
            $w.WriteAttributeString('required', 'false'); $w.WriteAttributeString('variableLength', 'false')
            $w.WriteString($v); $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
foreach ($command in Get-Command -Module SiosRoute53 -CommandType Cmdlet | Sort-Object Name) {
    $pagePath = Join-Path $DocsPath "cmdlets/$($command.Name).md"
    if (-not (Test-Path $pagePath)) { $problems.Add("$($command.Name): no help page at $pagePath"); continue }
    $page = Read-CommandPage $pagePath
    foreach ($name in $shared.Keys) {
        if (-not $page.Parameters.Contains($name) -and $command.Parameters.ContainsKey($name)) { $page.Parameters[$name] = $shared[$name] }
    }
    if (-not $page.Synopsis) { $problems.Add("$($command.Name): no SYNOPSIS") }
    if (-not $page.Description) { $problems.Add("$($command.Name): no DESCRIPTION") }
    if (-not ($page.Examples | Where-Object Code)) { $problems.Add("$($command.Name): no example with code") }
    $own = $command.Parameters.Values | Where-Object { $_.Name -notin $common } | Sort-Object Name
    $listed = @($own) + @($command.Parameters.Values | Where-Object Name -In $shouldProcess | Sort-Object Name)
    foreach ($p in $own) { if (-not $page.Parameters.Contains($p.Name) -or -not $page.Parameters[$p.Name].Count) { $problems.Add("$($command.Name): parameter -$($p.Name) is not documented") } }
    foreach ($name in $page.Parameters.Keys) { if ($name -notin $listed.Name) { $problems.Add("$($command.Name): documents -$name, which it does not have") } }

    $w.WriteStartElement('command', 'command', $cmdNs)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $w.WriteStartElement('command', 'details', $cmdNs)
    $w.WriteElementString('command', 'name', $cmdNs, $command.Name)
    $w.WriteElementString('command', 'verb', $cmdNs, $command.Verb)
    $w.WriteElementString('command', 'noun', $cmdNs, $command.Noun)
    Write-Paras $page.Synopsis
    $w.WriteEndElement()
    Write-Paras $page.Description

    $w.WriteStartElement('command', 'syntax', $cmdNs)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmdNs)
        $w.WriteElementString('maml', 'name', $maml, $command.Name)
        $inSyntax = $set.Parameters | Where-Object { $_.Name -notin $common } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }, { -[int]$_.IsMandatory }
        $inSyntax = @($inSyntax) + @($set.Parameters | Where-Object Name -In $shouldProcess | Sort-Object { $shouldProcess.IndexOf($_.Name) })
        foreach ($sp in $inSyntax) {
            Write-Parameter $command.Parameters[$sp.Name] $sp @($page.Parameters[$sp.Name])
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmdNs)
    foreach ($p in $listed) { Write-Parameter $p $null @($page.Parameters[$p.Name]) }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'inputTypes', $cmdNs)
    foreach ($text in $page.Inputs) {
        $w.WriteStartElement('command', 'inputType', $cmdNs)
        $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('maml', 'name', $maml, $text); $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteStartElement('command', 'returnValues', $cmdNs)
    foreach ($type in $command.OutputType) {
        $w.WriteStartElement('command', 'returnValue', $cmdNs)
        $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('maml', 'name', $maml, $type.Name); $w.WriteEndElement()
        Write-Paras $page.Outputs
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    if ($page.Notes) {
        $w.WriteStartElement('maml', 'alertSet', $maml)
        $w.WriteStartElement('maml', 'alert', $maml)
        foreach ($p in $page.Notes) { $w.WriteElementString('maml', 'para', $maml, $p) }
        $w.WriteEndElement(); $w.WriteEndElement()
    }
    $w.WriteStartElement('command', 'examples', $cmdNs)
    foreach ($example in $page.Examples) {
        $w.WriteStartElement('command', 'example', $cmdNs)
        $w.WriteElementString('maml', 'title', $maml, "---------- $($example.Title) ----------")
        $w.WriteElementString('dev', 'code', $dev, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $dev)
        foreach ($p in $example.Remarks) { $w.WriteElementString('maml', 'para', $maml, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteStartElement('command', 'relatedLinks', $cmdNs)
    foreach ($link in @($page.Links) + 'about_SiosRoute53' | Select-Object -Unique) {
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $w.WriteElementString('maml', 'linkText', $maml, $link)
        $w.WriteElementString('maml', 'uri', $maml, '')
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Dispose()

if ($problems.Count) {
    Remove-Item $target
    throw "Help is incomplete:`n  " + ($problems -join "`n  ")
}
# The binary module's cmdlets look for help beside their assembly too.
$binHelp = Join-Path $ModulePath 'bin/en-US'
New-Item -ItemType Directory -Force $binHelp | Out-Null
Copy-Item $target $binHelp
Get-ChildItem $DocsPath -Filter 'about_*.md' | ForEach-Object { Copy-Item $_.FullName (Join-Path $outDir "$($_.BaseName).help.txt") }
Write-Host "Help for $((Get-Command -Module SiosRoute53 -CommandType Cmdlet).Count) cmdlets written to $target"
