namespace Grpc.Mrk.TestSupport;

/// <summary>Every awaited network call in a test gets a timeout: a hung test is a failed test.</summary>
public static class TaskTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static async Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Default;
        var finished = await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false);
        if (finished != task)
        {
            throw new TimeoutException($"The operation did not finish within {limit.TotalSeconds} s.");
        }

        return await task.ConfigureAwait(false);
    }

    public static async Task WithTimeout(this Task task, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Default;
        var finished = await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false);
        if (finished != task)
        {
            throw new TimeoutException($"The operation did not finish within {limit.TotalSeconds} s.");
        }

        await task.ConfigureAwait(false);
    }
}
