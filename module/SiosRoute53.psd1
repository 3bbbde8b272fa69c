@{
    RootModule           = 'SiosRoute53.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '3b0c6f0e-5a51-4f0e-9a63-7d2f4c1e5a53'
    Author               = 'SiosRoute53 contributors'
    Copyright            = '(c) SiosRoute53 contributors. Apache-2.0.'
    Description          = 'Keeps a service reachable by DNS name across a cluster of Linux nodes in AWS: Route 53 A records that follow the node where a resource hierarchy is in service, with monitoring, switchover, failover and quorum fencing.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('SiosRoute53.Format.ps1xml')
    TypesToProcess       = @('SiosRoute53.Types.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Add-HaDependency'
        'Add-HaNode'
        'Expand-HaResource'
        'Export-HaConfiguration'
        'Export-HaClusterKey'
        'Get-HaCluster'
        'Get-HaNode'
        'Get-HaStatus'
        'Invoke-Switchover'
        'Join-HaCluster'
        'New-HaCluster'
        'Remove-HaNode'
        'Start-HaNode'
        'Get-HaEvent'
        'Get-HaResource'
        'Get-HaRoute53Record'
        'Get-HaRoute53Zone'
        'Get-HaTunable'
        'Import-HaConfiguration'
        'New-HaIpResource'
        'New-HaRoute53Resource'
        'New-HaServiceResource'
        'Remove-HaDependency'
        'Remove-HaResource'
        'Set-HaResource'
        'Set-HaTunable'
        'Start-HaResource'
        'Stop-HaResource'
        'Test-HaPrerequisite'
        'Test-HaResource'
    )
    VariablesToExport    = @()
    AliasesToExport      = @('New-Route53Resource')
    PrivateData          = @{
        PSData = @{
            Tags       = @('Route53', 'AWS', 'HighAvailability', 'Cluster', 'LifeKeeper', 'Linux')
            LicenseUri = 'https://www.apache.org/licenses/LICENSE-2.0'
        }
    }
}
