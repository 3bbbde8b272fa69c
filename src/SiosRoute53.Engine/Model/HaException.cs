namespace SiosRoute53.Model;

/// <summary>What kind of domain error an <see cref="HaException"/> is; the cmdlets map it to an error category.</summary>
public enum HaErrorKind
{
    InvalidArgument,
    NotFound,
    Busy,
    StoreUnusable,
    ConfigurationInvalid,
    ActionFailed,
    OwnershipLost,
    QuorumMissing,
}

/// <summary>
/// The base of every domain error the engine reports: bad input, a missing resource, a busy or unusable store, a
/// failed action. Each carries a stable error id. <see cref="InvalidOperationException"/> is left for real bugs.
/// </summary>
public abstract class HaException : Exception
{
    protected HaException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The stable id a cmdlet gives the error record.</summary>
    public abstract string ErrorId { get; }

    public abstract HaErrorKind Kind { get; }
}

/// <summary>A request that cannot be carried out as given; nothing was changed.</summary>
public sealed class HaArgumentException(string message, string? value = null) : HaException(message)
{
    public string? Value { get; } = value;
    public override string ErrorId => "InvalidArgument";
    public override HaErrorKind Kind => HaErrorKind.InvalidArgument;
}

/// <summary>A resource (or a tag) that does not exist.</summary>
public sealed class ResourceNotFoundException(string tag, IEnumerable<string> known)
    : HaException($"No resource has tag '{tag}'." + (known.Any() ? $" Known: {string.Join(", ", known)}." : " There are no resources yet; create one with New-HaIpResource."))
{
    public string Tag { get; } = tag;
    public override string ErrorId => "ResourceNotFound";
    public override HaErrorKind Kind => HaErrorKind.NotFound;
}

/// <summary>Another process is working on a resource right now.</summary>
public sealed class ResourceBusyException(string message) : HaException(message)
{
    public override string ErrorId => "ResourceBusy";
    public override HaErrorKind Kind => HaErrorKind.Busy;
}

/// <summary>A stored definition the engine cannot use as it is (a missing setting, a dependency cycle); names what to fix.</summary>
public sealed class DefinitionException(string message) : HaException(message)
{
    public override string ErrorId => "DefinitionInvalid";
    public override HaErrorKind Kind => HaErrorKind.ConfigurationInvalid;
}
