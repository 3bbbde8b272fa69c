using System.Collections.Concurrent;
using System.Management.Automation;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>
/// Runs an async engine call from a cmdlet. The work runs off the pipeline thread; everything it writes (objects,
/// errors, verbose lines, progress) is queued and written by the pipeline thread, as PowerShell requires.
/// StopProcessing (Ctrl+C) cancels the token the engine honours.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private BlockingCollection<Action>? _queue;

    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected sealed override void BeginProcessing() => Run(BeginProcessingAsync);

    protected sealed override void ProcessRecord() => Run(ProcessRecordAsync);

    protected sealed override void EndProcessing() => Run(EndProcessingAsync);

    protected override void StopProcessing() => _stop.Cancel();

    private void Run(Func<CancellationToken, Task> work)
    {
        using var queue = new BlockingCollection<Action>();
        _queue = queue;
        var task = Task.Run(async () =>
        {
            try { await work(_stop.Token).ConfigureAwait(false); }
            finally { queue.CompleteAdding(); }
        });
        try
        {
            // After Ctrl+C every write throws PipelineStoppedException; the work still runs to its end (a start rolls
            // back what it brought in service), so keep draining until it has.
            foreach (var action in queue.GetConsumingEnumerable())
            {
                try { action(); }
                catch (PipelineStoppedException) when (_stop.IsCancellationRequested) { }
            }
        }
        finally
        {
            _queue = null;
        }
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            if (WhatWasLeftBehind() is { } left) Host?.UI?.WriteWarningLine(left);
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (e is not PipelineStoppedException and not PSInvalidOperationException)
        {
            ThrowTerminatingError(ToErrorRecord(e));
        }
    }

    /// <summary>
    /// After Ctrl+C, once the work has ended: what the stopped command left behind and what to do, written to the host
    /// (the pipeline takes no more output by then); null to say nothing.
    /// </summary>
    protected virtual string? WhatWasLeftBehind() => null;

    /// <summary>How an exception that ends the whole command becomes an error record (id and category).</summary>
    protected virtual ErrorRecord ToErrorRecord(Exception exception) =>
        exception is ArgumentException
            ? new ErrorRecord(exception, "InvalidArgument", ErrorCategory.InvalidArgument, null)
            : new ErrorRecord(exception, "UnexpectedError", ErrorCategory.NotSpecified, null);

    protected void Post(Action action)
    {
        var queue = _queue;
        if (queue is null || queue.IsAddingCompleted) action();
        else queue.Add(action);
    }

    /// <summary>Queues <paramref name="action"/> for the pipeline thread while the work runs; drops it otherwise (for timers).</summary>
    protected void PostWhileRunning(Action action)
    {
        try { _queue?.Add(action); }
        catch (InvalidOperationException) { } // the work has just ended (the queue is completed or disposed)
    }

    /// <summary>Runs <paramref name="func"/> on the pipeline thread and waits for its result (for ShouldProcess).</summary>
    protected Task<T> OnPipelineThread<T>(Func<T> func)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try { done.SetResult(func()); }
            catch (Exception e) { done.SetException(e); }
        });
        return done.Task;
    }

    protected void Emit(object? value) => Post(() => WriteObject(value));

    protected void EmitError(ErrorRecord record) => Post(() => WriteError(record));

    protected void Verbose(string message) => Post(() => WriteVerbose(message));

    protected void Warn(string message) => Post(() => WriteWarning(message));

    protected void Progress(ProgressRecord record) => Post(() => WriteProgress(record));

    protected virtual void Dispose(bool disposing) { }

    public void Dispose()
    {
        Dispose(true);
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
