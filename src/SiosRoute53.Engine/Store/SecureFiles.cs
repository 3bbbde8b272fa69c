using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SiosRoute53.Store;

/// <summary>
/// Files and directories that other local users cannot subvert: a directory must be ours and writable by nobody
/// else, files are opened without following symbolic links, temporary files are created exclusively. On Linux this
/// uses the system calls directly (.NET follows links and offers no O_NOFOLLOW, O_EXCL with a mode, or file owner).
/// </summary>
public static partial class SecureFiles
{
    private const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_APPEND = 0x400, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    private const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    private const int ELOOP = 40, ENOENT = 2, EEXIST = 17, EWOULDBLOCK = 11;
    private const int LOCK_EX = 2, LOCK_NB = 4;
    private const int S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFLNK = 0xA000, S_IFREG = 0x8000;

    // Source-generated (LibraryImport): the generated code reads errno right after each call. A [DllImport] with
    // SetLastError loses it once the assembly is precompiled (ReadyToRun), and every errno below would read as 0.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [In, Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    private static bool Posix => OperatingSystem.IsLinux();

    /// <summary>Owner, mode and type of a path itself (a link is not followed); null when it does not exist.</summary>
    public static (uint Uid, int Mode)? Status(string path)
    {
        if (!Posix) return null;
        var buffer = new byte[256];
        if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0x0000_0fff, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT) return null;
            throw new IOException($"Cannot inspect '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.");
        }
        uint uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20));
        int mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        return (uid, mode);
    }

    public static uint EffectiveUid => Posix ? GetEuid() : 0;

    /// <summary>
    /// Why this process cannot create files in an existing <paramref name="directory"/> ("is on a read-only file
    /// system", "is not writable by uid N"), or null when it can, or when the directory does not exist (yet).
    /// </summary>
    public static string? WhyNotWritable(string directory)
    {
        const int W_OK = 2, X_OK = 1, EROFS = 30, EACCES = 13, EPERM = 1;
        if (!Posix || Access(directory, W_OK | X_OK) == 0) return null;
        return Marshal.GetLastPInvokeError() switch
        {
            EROFS => "is on a read-only file system",
            EACCES or EPERM => $"is not writable by this user (uid {EffectiveUid})",
            ENOENT => null,
            var errno => $"cannot be written: {Marshal.GetPInvokeErrorMessage(errno)}",
        };
    }

    /// <summary>
    /// Creates <paramref name="directory"/> (mode 0700) or checks the one there: not a link, owned by this user, writable
    /// by nobody else. Group or world read access is taken away. Throws <see cref="StoreException"/> naming what is wrong.
    /// </summary>
    public static void EnsurePrivateDirectory(string directory, string what)
    {
        if (!Posix)
        {
            Directory.CreateDirectory(directory);
            return;
        }
        var status = Status(directory);
        if (status is null)
        {
            try { Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StoreException($"The {what} '{directory}' cannot be created: {e.Message}. Run as root, or give a directory you own.", e, StoreException.NotWritable);
            }
            status = Status(directory);
        }
        var (uid, mode) = status!.Value;
        if ((mode & S_IFMT) == S_IFLNK)
            throw new StoreException($"The {what} '{directory}' is a symbolic link; SiosRoute53 refuses to follow it (another user could point it elsewhere). Give the real directory.");
        if ((mode & S_IFMT) != S_IFDIR)
            throw new StoreException($"The {what} '{directory}' is not a directory. Give a directory path.");
        uint me = EffectiveUid;
        if (uid != me)
            throw new StoreException($"The {what} '{directory}' is owned by uid {uid}, not by this user (uid {me}); another user could change what SiosRoute53 reads and runs. " +
                                     $"Give a directory you own, or as root: chown root:root '{directory}' && chmod 700 '{directory}'.");
        if ((mode & 0b000_010_010) != 0)
            throw new StoreException($"The {what} '{directory}' is writable by other users (mode {Convert.ToString(mode & 0x1ff, 8)}); they could replace its files. Fix it with: chmod 700 '{directory}'.");
        if ((mode & 0b000_111_111) != 0)
        {
            try { File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
            // A read-only file system cannot be tightened: reading goes on, and every write is refused as read-only.
            catch (IOException) when (WhyNotWritable(directory) is not null) { }
        }
    }

    private static SafeFileHandle OpenHandle(string path, int flags, string purpose)
    {
        int fd = Open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0b110_000_000);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        int errno = Marshal.GetLastPInvokeError();
        if (errno == ELOOP)
            throw new StoreException($"'{path}' is a symbolic link; SiosRoute53 does not follow links in its store (another user could point it at any file). Remove the link.");
        if (errno == ENOENT) throw new FileNotFoundException($"'{path}' does not exist.", path);
        if (errno == EEXIST) throw new IOException($"'{path}' already exists.");
        if (errno == 13 /* EACCES */) throw new UnauthorizedAccessException($"Cannot {purpose} '{path}': permission denied.");
        throw new IOException($"Cannot {purpose} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.");
    }

    /// <summary>Opens an existing file for reading without following a link.</summary>
    public static FileStream OpenRead(string path) =>
        Posix ? new FileStream(OpenHandle(path, O_RDONLY, "read"), FileAccess.Read) : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

    /// <summary>Creates a new file (mode 0600) that must not exist yet: never someone else's file or link.</summary>
    public static FileStream CreateNew(string path) =>
        Posix ? new FileStream(OpenHandle(path, O_WRONLY | O_CREAT | O_EXCL, "create"), FileAccess.Write)
              : new FileStream(path, FileMode.CreateNew, FileAccess.Write);

    /// <summary>Opens (creating, mode 0600) a file for appending without following a link.</summary>
    public static FileStream OpenAppend(string path) =>
        Posix ? new FileStream(OpenHandle(path, O_WRONLY | O_CREAT | O_APPEND, "append to"), FileAccess.Write)
              : new FileStream(path, FileMode.Append, FileAccess.Write);

    /// <summary>A fresh temporary name beside <paramref name="path"/>, for <see cref="CreateNew"/>.</summary>
    public static string TemporaryNameFor(string path) => $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>
    /// Takes an exclusive lock on <paramref name="path"/> (created 0600, never through a link); null when another
    /// process holds it. A killed process's lock is released by the kernel.
    /// </summary>
    public static FileStream? TryLock(string path)
    {
        if (!Posix)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) { return null; }
        }
        var handle = OpenHandle(path, O_RDWR | O_CREAT, "lock");
        if (Flock(handle, LOCK_EX | LOCK_NB) == 0) return new FileStream(handle, FileAccess.ReadWrite);
        int errno = Marshal.GetLastPInvokeError();
        handle.Dispose();
        if (errno == EWOULDBLOCK) return null;
        throw new IOException($"Cannot lock '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.");
    }

    /// <summary>Makes <paramref name="backup"/> the file <paramref name="path"/> is now (a hard link: no copy, no open).</summary>
    public static void KeepAsBackup(string path, string backup)
    {
        if (!Posix)
        {
            File.Copy(path, backup, overwrite: true);
            return;
        }
        File.Delete(backup);
        if (Link(path, backup) != 0 && Marshal.GetLastPInvokeError() is var errno and not ENOENT)
            throw new IOException($"Cannot keep '{path}' as '{backup}': {Marshal.GetPInvokeErrorMessage(errno)}.");
    }
}
