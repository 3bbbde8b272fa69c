namespace SiosRoute53.Ocf;

/// <summary>The OCF resource agent API's exit codes (OCF 1.1, section "Return codes").</summary>
public enum OcfExitCode
{
    Success = 0,
    /// <summary>Soft error: Pacemaker recovers the resource (restart here, or move it).</summary>
    ErrGeneric = 1,
    /// <summary>Hard error on this node: the parameters are not valid here (e.g. no address for this node).</summary>
    ErrArgs = 2,
    ErrUnimplemented = 3,
    ErrPerm = 4,
    ErrInstalled = 5,
    /// <summary>Fatal: the configuration is wrong everywhere (bad parameters, credentials, permissions).</summary>
    ErrConfigured = 6,
    NotRunning = 7,
}
