using Grpc.Core;
using Grpc.Mrk.Client;
using Xunit;

namespace Grpc.Mrk.TestSupport;

/// <summary>Asserts that a call is refused with a given AWS exception name, read the standard way from ErrorInfo.</summary>
public static class Errors
{
    public static async Task<RpcException> ExpectAsync<T>(string errorCode, Func<Task<T>> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call().WithTimeout()).ConfigureAwait(false);
        Assert.Equal(errorCode, MrkErrors.ErrorCodeOf(error));
        Assert.NotEqual(StatusCode.Internal, error.StatusCode);
        Assert.NotEqual(StatusCode.Unknown, error.StatusCode);
        return error;
    }

    public static Task<RpcException> ExpectAsync<T>(string errorCode, AsyncUnaryCall<T> call) => ExpectAsync(errorCode, () => call.ResponseAsync);

    public static Task<RpcException> ExpectAsync(string errorCode, Func<Task> call) => ExpectAsync(errorCode, async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    });
}
