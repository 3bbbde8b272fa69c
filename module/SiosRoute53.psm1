# Loads the cmdlets through the module's own AssemblyLoadContext, so that the AWSSDK versions this module ships
# never clash with those another module (AWS.Tools, for one) has already loaded into the session.
$loaderPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'SiosRoute53.LoadContext.dll')
if (-not ('SiosRoute53.LoadContext.ModuleLoadContext' -as [type])) {
    Add-Type -Path $loaderPath
}
$cmdletAssembly = [SiosRoute53.LoadContext.ModuleLoadContext]::Initialize()
$inner = Import-Module -Assembly $cmdletAssembly -PassThru

# Re-export the binary module's cmdlets as this module's own, so Get-Command -Module SiosRoute53 lists them.
$addExported = [System.Management.Automation.PSModuleInfo].GetMethod(
    'AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
foreach ($cmdlet in $inner.ExportedCmdlets.Values) {
    $addExported.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
}

# The names operators ask for, beside the module's own.
Set-Alias -Name New-Route53Resource -Value New-HaRoute53Resource
Export-ModuleMember -Alias New-Route53Resource
