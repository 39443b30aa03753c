using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>
/// AWS's own protocol for KMS (awsJson1.1) on the node's TLS port: <c>POST /</c> with
/// <c>X-Amz-Target: TrentService.&lt;Operation&gt;</c>, the operation's input as JSON, signed with Signature Version 4.
/// This class only translates: the request is read into our request message (<see cref="AwsJsonReader"/>) and goes
/// through the same steps and service method as a gRPC call (<see cref="ApiPipeline"/>), where the signature is
/// verified, the caller admitted, the call audited and its errors named; the answer is written back as AWS writes it.
/// </summary>
public sealed partial class AwsJsonFront(ApiPipeline pipeline, TimeProvider time, ILogger<AwsJsonFront> logger)
{
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>Largest request body read. The largest valid KMS request (a 32 KiB policy, or 6 KiB of ciphertext
    /// in base64 with an encryption context) is far below it.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private static readonly AwsServiceModel Model = AwsServiceModel.Kms;

    public async Task HandleAsync(HttpContext http)
    {
        try
        {
            await ServeAsync(http).ConfigureAwait(false);
        }
        catch (Exception unexpected) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Anything the steps did not map (they map every refusal): AWS's fault answer, the details in the log only.
            LogFailed(logger, unexpected);
            if (!http.Response.HasStarted)
            {
                await WriteErrorAsync(http.Response, KmsErrorCodes.KMSInternal, "An internal error occurred. The server log has the details.").ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The AWS JSON front failed to serve a request")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    private async Task ServeAsync(HttpContext http)
    {
        var response = http.Response;
        response.Headers[AuditInterceptor.RequestIdHeader] = Guid.NewGuid().ToString();
        // SDKs read Date to correct their clock when a signature is refused as expired.
        response.Headers.Date = time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);

        var target = http.Request.Headers["x-amz-target"].ToString();
        var prefix = Model.TargetPrefix + ".";
        if (!IsJson(http.Request.ContentType) || !target.StartsWith(prefix, StringComparison.Ordinal)
            || !Model.Operations.TryGetValue(target[prefix.Length..], out var operation))
        {
            await WriteErrorAsync(response, KmsErrorCodes.UnknownOperation, null).ConfigureAwait(false);
            return;
        }

        if (pipeline.Method(operation.Name) is not { } method)
        {
            await WriteErrorAsync(response, KmsErrorCodes.UnsupportedOperation,
                $"{operation.Name} is not supported by this service (custom key stores are not implemented).").ConfigureAwait(false);
            return;
        }

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(http).ConfigureAwait(false);
        }
        catch (Exception cut) when (cut is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // The client stopped sending before its Content-Length, or went away: nothing to serve.
            if (!http.RequestAborted.IsCancellationRequested)
            {
                await WriteErrorAsync(response, KmsErrorCodes.Serialization, "The request body ended before its Content-Length.").ConfigureAwait(false);
            }

            return;
        }

        if (body is null)
        {
            await WriteErrorAsync(response, "RequestEntityTooLargeException", $"The request body is larger than {MaxBodyBytes} bytes.",
                StatusCodes.Status413PayloadTooLarge).ConfigureAwait(false);
            return;
        }

        Google.Protobuf.IMessage request;
        KmsException? unreadable = null;
        try
        {
            request = AwsJsonReader.Read(Model, operation.InputShape, body, method.Request);
        }
        catch (KmsException refusal)
        {
            // Refused inside the pipeline, once the signature is checked: an empty request stands in for the audit record.
            request = method.Request.Parser.ParseFrom(Google.Protobuf.ByteString.Empty);
            unreadable = refusal;
        }

        try
        {
            var context = new AwsJsonCallContext(http, method.FullName, Signed(http, body), unreadable);
            var answer = await method.InvokeAsync(request, context).ConfigureAwait(false);
            var written = AwsJsonWriter.Write(Model, operation.OutputShape, answer);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = ContentType;
            response.ContentLength = written.Length;
            await response.Body.WriteAsync(written, http.RequestAborted).ConfigureAwait(false);
        }
        catch (RpcException refusal) when (ErrorStatus.Named(refusal) is { } named)
        {
            await WriteErrorAsync(response, named.Code, named.Message).ConfigureAwait(false);
        }
        catch (RpcException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client is gone; nobody reads an answer.
        }
        catch (RpcException)
        {
            // Not a refusal of ours (the error mapping logged it): answered as AWS answers its own faults.
            await WriteErrorAsync(response, KmsErrorCodes.KMSInternal, "An internal error occurred. The server log has the details.").ConfigureAwait(false);
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && (contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
                                    || contentType.StartsWith("application/x-amz-json-1.0", StringComparison.OrdinalIgnoreCase));

    /// <summary>The body, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        if (http.Request.ContentLength is { } length)
        {
            // The usual case (every AWS SDK sends Content-Length): read straight into a buffer of that size.
            var exact = new byte[length];
            await http.Request.Body.ReadExactlyAsync(exact, http.RequestAborted).ConfigureAwait(false);
            return exact;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static SignedRequest Signed(HttpContext http, byte[] body)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "/";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var header in http.Request.Headers)
        {
            headers[header.Key.ToLowerInvariant()] = header.Value.Select(v => v ?? string.Empty).ToList();
        }

        return new SignedRequest(http.Request.Method, query < 0 ? raw : raw[..query], query < 0 ? string.Empty : raw[(query + 1)..], headers, body);
    }

    private static async Task WriteErrorAsync(HttpResponse response, string exception, string? message, int? status = null)
    {
        response.StatusCode = status ?? (Model.IsFault(exception) ? StatusCodes.Status500InternalServerError : StatusCodes.Status400BadRequest);
        response.ContentType = ContentType;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", exception);
            if (message is not null)
            {
                // Refusals repeat callers' text only through KmsErrors.Printable; this keeps any other from breaking the answer.
                writer.WriteString("message", KmsErrors.Printable(message, int.MaxValue));
            }

            writer.WriteEndObject();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.ToArray()).ConfigureAwait(false);
    }
}
