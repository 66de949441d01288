using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace CrossAttention.Kernels;

/// <summary>
/// Persistent background threads that run the parts of one call while the calling thread runs the first part. Made
/// once, on the first split call; after that a call allocates nothing. One call uses the pool at a time: a call that
/// finds it busy runs on its own thread, with the same results.
/// </summary>
internal static unsafe class WorkerPool
{
    private static readonly object s_gate = new();
    private static readonly ManualResetEventSlim s_done = new(false);
    private static Worker[] s_workers = [];

    // The job in progress; written under s_gate before the workers are released.
    private static delegate*<in KernelSpans, int, int, void> s_job;
    private static KernelSpans s_spans;
    private static int s_items, s_parts, s_remaining;
    private static Exception? s_failure;

    /// <summary>Calls that ran on more than one thread, for tests.</summary>
    internal static long SplitCalls;

    public static void Run(delegate*<in KernelSpans, int, int, void> job, in KernelSpans spans, int items, int parts)
    {
        // A call made from inside a running job (a kernel whose items call split kernels themselves) runs on its thread:
        // on a worker the gate is taken, and on the calling thread, which holds it, entering again would overwrite the job.
        if (parts <= 1 || Monitor.IsEntered(s_gate) || !Monitor.TryEnter(s_gate))
        {
            job(spans, 0, items);
            return;
        }

        try
        {
            Interlocked.Increment(ref SplitCalls);
            EnsureWorkers(parts - 1);
            s_job = job;
            (s_spans, s_items, s_parts, s_remaining, s_failure) = (spans, items, parts, parts - 1, null);
            s_done.Reset();
            for (int part = 1; part < parts; part++)
            {
                s_workers[part - 1].Release(part);
            }

            try
            {
                job(spans, 0, items / parts);
            }
            finally
            {
                // The workers read the pinned spans: never leave (and unpin) before they are done.
                s_done.Wait();
            }

            if (s_failure is not null)
            {
                ExceptionDispatchInfo.Capture(s_failure).Throw();
            }
        }
        finally
        {
            s_spans = default;
            Monitor.Exit(s_gate);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (s_workers.Length >= count)
        {
            return;
        }

        var workers = new Worker[count];
        Array.Copy(s_workers, workers, s_workers.Length);
        for (int i = s_workers.Length; i < count; i++)
        {
            workers[i] = new Worker(i + 1);
        }

        s_workers = workers;
    }

    private static void RunPart(int part)
    {
        try
        {
            int start = (int)((long)s_items * part / s_parts), end = (int)((long)s_items * (part + 1) / s_parts);
            s_job(s_spans, start, end);
        }
        catch (Exception exception)
        {
            Interlocked.CompareExchange(ref s_failure, exception, null);
        }
        finally
        {
            if (Interlocked.Decrement(ref s_remaining) == 0)
            {
                s_done.Set();
            }
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _go = new(0);
        private int _part;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"CrossAttention worker {index}" };
            thread.Start();
        }

        public void Release(int part)
        {
            _part = part;
            _go.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                RunPart(_part);
            }
        }
    }
}
