using System.Reflection;
using System.Runtime.Loader;

namespace SiosRoute53.LoadContext;

/// <summary>
/// Loads the module's own assemblies (the cmdlets, the engine, AWSSDK.*) into a load context of their own, so a
/// session that already holds another AWSSDK.Core version (AWS.Tools, for one) can still import and use this module.
/// Anything not shipped beside this assembly (System.Management.Automation, the framework) comes from the default
/// context as usual.
/// </summary>
public sealed class ModuleLoadContext : AssemblyLoadContext
{
    private static readonly object Sync = new();
    private static ModuleLoadContext? _instance;
    private readonly string _directory;
    private readonly Assembly _self = typeof(ModuleLoadContext).Assembly;

    private ModuleLoadContext(string directory) : base("SiosRoute53", isCollectible: false) => _directory = directory;

    /// <summary>The cmdlet assembly, loaded once per process into the module's context.</summary>
    public static Assembly Initialize()
    {
        lock (Sync)
        {
            string directory = Path.GetDirectoryName(typeof(ModuleLoadContext).Assembly.Location)!;
            _instance ??= new ModuleLoadContext(directory);
            return _instance.LoadFromAssemblyName(new AssemblyName("SiosRoute53.Cmdlets"));
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (AssemblyName.ReferenceMatchesDefinition(_self.GetName(), assemblyName)) return _self;
        string candidate = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}
