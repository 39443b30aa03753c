using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.Declarations;
using Grpc.Mrk.Identity;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Every method a running process serves, as it lists them itself through reflection, called by everyone who may not
/// call it: without credentials, with a certificate of the wrong role, and with an API key of a principal who has no
/// permission. Each is refused with AWS's exception name; only the methods declared anonymous (health, reflection)
/// answer anyone.
/// </summary>
public sealed class FailClosedTests(ITestOutputHelper output) : IDisposable
{
    // What each server declares, built here from the same descriptors (the tests do not load the servers' assemblies).
    private static readonly MethodDeclarations RegionNodeDeclarations =
        MethodDeclarations.PublicAnd(Testing.V1.TestClockReflection.Descriptor, Testing.V1.TestRelayReflection.Descriptor);

    private static readonly MethodDeclarations ControlPlaneDeclarations = new([Internal.V1.RelayReflection.Descriptor]);

    // Actions on no key, which every principal of the account may do (docs/security.md): their refusal is not expected.
    private static readonly HashSet<string> AccountActions = new(StringComparer.Ordinal)
    {
        "CreateKey", "ListKeys", "ListAliases", "GenerateRandom", "ListRetirableGrants",
    };

    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task RegionNode_EveryServedMethod_RefusesEveryCallerItDoesNotDeclare()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (ownerArn, _, owner) = await region.UserAsync("owner");
        var (malloryArn, malloryKey, mallory) = await region.UserAsync("mallory");
        using (owner)
        using (mallory)
        {
            var targets = await TargetsAsync(owner, ownerArn);
            var ca = region.Layout.AuthorityCertificate;
            using var regionCertificate = ClusterPki.Load(region.Layout.RegionCertificate(SecureRegion.Region), region.Layout.RegionKey(SecureRegion.Region));
            var malloryIssued = ClusterBootstrap.IssueClient(region.Layout, ClusterRole.User, "mallory", TimeProvider.System);
            using var malloryCertificate = ClusterPki.Load(malloryIssued.Certificate, malloryIssued.Key);
            using var operatorCertificate = ClusterPki.Load(region.Layout.OperatorCertificate, region.Layout.OperatorKey);

            using var nobody = new RawCaller(region.Node.Endpoint, ca);
            using var asRegion = new RawCaller(region.Node.Endpoint, ca, regionCertificate);
            using var asMalloryCertificate = new RawCaller(region.Node.Endpoint, ca, malloryCertificate);
            using var asOperator = new RawCaller(region.Node.Endpoint, ca, operatorCertificate);
            using var asMallory = new RawCaller(region.Node.Endpoint, ca, apiKey: malloryKey.Token);

            var served = await nobody.ServedMethodsAsync();
            Assert.Contains(served, m => m.Path == "/mrk.v1.AuditLog/ListAuditRecords");
            Assert.Contains(served, m => m.Path == "/mrk.admin.v1.PrincipalAdmin/CreateApiKey");
            Assert.True(served.Count(m => m.Service == "mrk.v1.KeyManagementService") >= 45, $"only {served.Count} methods listed");

            var checkedCalls = 0;
            foreach (var method in served)
            {
                var declaration = RegionNodeDeclarations.Find(method.Path);
                Assert.True(declaration is not null, $"{method.Path} is served without a declaration");
                if (declaration.Admits(CallerKind.Anonymous))
                {
                    Assert.Null(await nobody.CallAsync(method, AnonymousRequest(method)));
                    continue;
                }

                if (declaration.Admits(CallerKind.TestHarness))
                {
                    // Served only by a node in test mode, which is refused anywhere but loopback (this node's test harness).
                    continue;
                }

                var body = RequestFor(method, targets).ToByteArray();
                await RefusedAsync(nobody, method, body, "MissingAuthenticationTokenException");
                if (declaration.Admits(CallerKind.Principal))
                {
                    // A Region's or an operator's certificate is no principal of the key API.
                    await RefusedAsync(asRegion, method, body, "UnrecognizedClientException");
                    await RefusedAsync(asOperator, method, body, "AccessDeniedException");
                    if (!AccountActions.Contains(method.Name))
                    {
                        // A principal of the account without permission on the key, by API key and by certificate.
                        var refusal = await RefusedAsync(asMallory, method, body, "AccessDeniedException");
                        Assert.Contains(malloryArn, refusal.Status.Detail, StringComparison.Ordinal);
                        await RefusedAsync(asMalloryCertificate, method, body, "AccessDeniedException");
                    }
                }
                else
                {
                    // Operator methods: a principal (by key or certificate) and a Region's certificate are refused.
                    Assert.True(declaration.Admits(CallerKind.Operator), $"{method.Path} admits no caller a Region serves");
                    await RefusedAsync(asRegion, method, body, "UnrecognizedClientException");
                    await RefusedAsync(asMallory, method, body, "AccessDeniedException");
                    await RefusedAsync(asMalloryCertificate, method, body, "AccessDeniedException");
                }

                checkedCalls++;
            }

            Assert.True(checkedCalls >= 55, $"{checkedCalls} methods checked");
            output.WriteLine($"{checkedCalls} methods refused to every caller they do not declare; {served.Count - checkedCalls} anonymous");
        }
    }

    [Fact]
    public async Task RegionNode_Metrics_AreReadByOperatorsOnly()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (_, malloryKey, mallory) = await region.UserAsync("mallory");
        mallory.Dispose();
        using var authority = CertificateFiles.LoadCertificate(region.Layout.AuthorityCertificate);
        using var regionCertificate = ClusterPki.Load(region.Layout.RegionCertificate(SecureRegion.Region), region.Layout.RegionKey(SecureRegion.Region));
        var malloryIssued = ClusterBootstrap.IssueClient(region.Layout, ClusterRole.User, "mallory", TimeProvider.System);
        using var malloryCertificate = ClusterPki.Load(malloryIssued.Certificate, malloryIssued.Key);
        using var operatorCertificate = ClusterPki.Load(region.Layout.OperatorCertificate, region.Layout.OperatorKey);

        Task<(int Status, string Text)> ScrapeAsync(X509Certificate2? certificate, string? apiKey = null) =>
            ScrapeMetricsAsync(region.Node.Endpoint, authority, certificate, apiKey);

        // Nobody, a principal by API key or by certificate, and a Region's own certificate: refused, and nothing read.
        Assert.Equal(401, (await ScrapeAsync(null)).Status);
        Assert.Equal(401, (await ScrapeAsync(null, malloryKey.Token)).Status);
        var asPrincipal = await ScrapeAsync(malloryCertificate);
        Assert.Equal(403, asPrincipal.Status);
        Assert.DoesNotContain("rpc_server", asPrincipal.Text, StringComparison.Ordinal);
        Assert.Equal(403, (await ScrapeAsync(regionCertificate)).Status);

        var asOperator = await ScrapeAsync(operatorCertificate);
        Assert.Equal(200, asOperator.Status);
        // The principal admin calls above were answered and counted; the refusals of the scrapes were no RPC.
        Assert.Contains("rpc_server_call_duration_seconds_count{", asOperator.Text, StringComparison.Ordinal);
        Assert.Contains("mrk.admin.v1.PrincipalAdmin/CreateApiKey", asOperator.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(malloryKey.Token, asOperator.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControlPlane_EveryServedMethod_RefusesEveryCertificateItDoesNotDeclare()
    {
        var layout = new ClusterLayout(_directory.Sub("certs"));
        ClusterBootstrap.Run(layout, ["us-east-1", "eu-west-1"], [], TimeProvider.System);
        await using var controlPlane = await ControlPlaneProcess.StartAsync(_directory.Sub("controlplane"), layout, ["us-east-1", "eu-west-1"],
            ControlPlaneProcess.FreePort(), output);
        var ca = layout.AuthorityCertificate;
        var issued = ClusterBootstrap.IssueClient(layout, ClusterRole.User, "mallory", TimeProvider.System);
        using var userCertificate = ClusterPki.Load(issued.Certificate, issued.Key);
        using var operatorCertificate = ClusterPki.Load(layout.OperatorCertificate, layout.OperatorKey);
        using var controlPlaneCertificate = ClusterPki.Load(layout.ControlPlaneCertificate, layout.ControlPlaneKey);
        using var relayLogCertificate = ClusterPki.Load(layout.RelayLogCertificate, layout.RelayLogKey);
        using var asOperator = new RawCaller(controlPlane.Endpoint, ca, operatorCertificate);
        using var asRelayLog = new RawCaller(controlPlane.Endpoint, ca, relayLogCertificate);
        using var asUser = new RawCaller(controlPlane.Endpoint, ca, userCertificate);
        using var asControlPlane = new RawCaller(controlPlane.Endpoint, ca, controlPlaneCertificate);
        using var nobody = new RawCaller(controlPlane.Endpoint, ca);

        // TLS itself asks for a cluster certificate: without one nothing is answered, not even reflection.
        var served = await asOperator.ServedMethodsAsync();
        Assert.Contains(served, m => m.Path == "/mrk.internal.v1.Relay/Connect");
        Assert.Contains(served, m => m.Path == "/mrk.internal.v1.ClusterAdmin/GetClusterStatus");
        foreach (var method in served)
        {
            var declaration = ControlPlaneDeclarations.Find(method.Path);
            Assert.True(declaration is not null, $"{method.Path} is served without a declaration");
            Assert.NotNull(await nobody.CallAsync(method, []));
            if (declaration.Admits(CallerKind.Anonymous))
            {
                continue;
            }

            foreach (var (caller, role) in new[]
                     {
                         (asUser, CallerKind.Principal), (asControlPlane, CallerKind.Unspecified), (asRelayLog, CallerKind.Unspecified),
                         (asOperator, CallerKind.Operator),
                     })
            {
                if (!declaration.Admits(role))
                {
                    await RefusedAsync(caller, method, [], "AccessDeniedException");
                }
            }
        }
    }

    [Fact]
    public async Task ControlPlane_Metrics_AreReadByOperatorsOnly()
    {
        var layout = new ClusterLayout(_directory.Sub("certs"));
        ClusterBootstrap.Run(layout, ["us-east-1", "eu-west-1"], [], TimeProvider.System);
        await using var controlPlane = await ControlPlaneProcess.StartAsync(_directory.Sub("controlplane"), layout, ["us-east-1", "eu-west-1"],
            ControlPlaneProcess.FreePort(), output);
        using var authority = CertificateFiles.LoadCertificate(layout.AuthorityCertificate);
        var issued = ClusterBootstrap.IssueClient(layout, ClusterRole.User, "mallory", TimeProvider.System);
        using var userCertificate = ClusterPki.Load(issued.Certificate, issued.Key);
        using var regionCertificate = ClusterPki.Load(layout.RegionCertificate("us-east-1"), layout.RegionKey("us-east-1"));
        using var operatorCertificate = ClusterPki.Load(layout.OperatorCertificate, layout.OperatorKey);

        // Without a certificate TLS itself refuses; a principal's or a Region's certificate is no operator's.
        await Assert.ThrowsAsync<HttpRequestException>(() => ScrapeMetricsAsync(controlPlane.Endpoint, authority, null));
        Assert.Equal(403, (await ScrapeMetricsAsync(controlPlane.Endpoint, authority, userCertificate)).Status);
        var asRegion = await ScrapeMetricsAsync(controlPlane.Endpoint, authority, regionCertificate);
        Assert.Equal(403, asRegion.Status);
        Assert.DoesNotContain("mrk_relay", asRegion.Text, StringComparison.Ordinal);

        var asOperator = await ScrapeMetricsAsync(controlPlane.Endpoint, authority, operatorCertificate);
        Assert.Equal(200, asOperator.Status);
        // No Region has connected: each configured one is shown disconnected, with nothing queued.
        Assert.Contains("mrk_relay_connected{otel_scope_name=\"Grpc.Mrk.ControlPlane\",mrk_region=\"us-east-1\"} 0", asOperator.Text, StringComparison.Ordinal);
        Assert.Contains("mrk_relay_queue_depth{otel_scope_name=\"Grpc.Mrk.ControlPlane\",mrk_destination=\"eu-west-1\"} 0", asOperator.Text, StringComparison.Ordinal);
    }

    /// <summary>GET /metrics over TLS (HTTP/2 where the server speaks only that), trusting the cluster CA.</summary>
    private static async Task<(int Status, string Text)> ScrapeMetricsAsync(Uri endpoint, X509Certificate2 authority, X509Certificate2? certificate,
        string? apiKey = null)
    {
        using var http = new HttpClient(ClusterHandlers.Create(certificate, ClusterHandlers.IssuedBy(authority)));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, "/metrics"))
        {
            Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var response = await http.SendAsync(request).WithTimeout();
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync().WithTimeout());
    }

    private static async Task<RpcException> RefusedAsync(RawCaller caller, ServedMethod method, byte[] body, string expected)
    {
        var refusal = await caller.CallAsync(method, body);
        Assert.True(refusal is not null, $"{method.Path} answered a caller it does not declare");
        Assert.True(MrkErrors.ErrorCodeOf(refusal) == expected,
            $"{method.Path}: expected {expected}, got {refusal.StatusCode} {MrkErrors.ErrorCodeOf(refusal)}: {refusal.Status.Detail}");
        Assert.NotEqual(StatusCode.Internal, refusal.StatusCode);
        return refusal;
    }

    private static byte[] AnonymousRequest(ServedMethod method) =>
        method.Name == "ServerReflectionInfo" ? new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = string.Empty }.ToByteArray() : [];

    /// <summary>What the requests name: the owner's key (by ARN), its alias, a grant on it, and a ciphertext under it.</summary>
    private sealed record Targets(string KeyArn, string AliasName, string GrantId, string GrantToken, ByteString Ciphertext, string OwnerArn);

    private static async Task<Targets> TargetsAsync(MrkClient owner, string ownerArn)
    {
        var key = (await owner.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }).WithTimeout()).KeyMetadata;
        await owner.CallAsync((c, o) => c.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId, Policy = SecureRegion.Policy($$"""{"Effect":"Allow","Principal":{"AWS":"{{ownerArn}}"},"Action":"kms:*","Resource":"*"}"""),
        }, o)).WithTimeout();
        await owner.CallAsync((c, o) => c.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/fail-closed", TargetKeyId = key.KeyId }, o)).WithTimeout();
        var grant = await owner.CallAsync((c, o) => c.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId, GranteePrincipal = ownerArn, Operations = { GrantOperation.Decrypt },
        }, o)).WithTimeout();
        var ciphertext = (await owner.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x") }).WithTimeout()).CiphertextBlob;
        return new Targets(key.Arn, "alias/fail-closed", grant.GrantId, grant.GrantToken, ciphertext, ownerArn);
    }

    /// <summary>
    /// A request for the method that names the owner's key and fills what validation asks for, so that the only reason
    /// left to refuse it is who calls.
    /// </summary>
    private static IMessage RequestFor(ServedMethod served, Targets targets)
    {
        var method = Descriptors().Single(m => $"/{m.Service.FullName}/{m.Name}" == served.Path);
        var request = method.InputType.Parser.ParseFrom([]);
        foreach (var field in method.InputType.Fields.InFieldNumberOrder())
        {
            object? value = (field.Name, field.FieldType) switch
            {
                ("key_id" or "source_key_id" or "destination_key_id" or "target_key_id", _) => targets.KeyArn,
                ("alias_name", _) => method.Name == "CreateAlias" ? "alias/fail-closed-new" : targets.AliasName,
                ("grant_id", _) => targets.GrantId,
                ("grant_token", _) when method.Name == "RetireGrant" => string.Empty,
                ("ciphertext_blob", _) => targets.Ciphertext,
                ("public_key", FieldType.String) => null,
                ("plaintext" or "message" or "signature" or "mac" or "public_key" or "import_token" or "encrypted_key_material", _) => ByteString.CopyFromUtf8("0123456789abcdef"),
                ("policy", _) => SecureRegion.Policy($$"""{"Effect":"Allow","Principal":{"AWS":"{{targets.OwnerArn}}"},"Action":"kms:*","Resource":"*"}"""),
                ("policy_name", _) => "default",
                ("grantee_principal" or "retiring_principal" or "principal_arn", _) => targets.OwnerArn,
                ("replica_region" or "primary_region", _) => "eu-west-1",
                ("description", _) => "fail closed",
                ("name", _) => "eve",
                ("number_of_bytes", _) => 32,
                ("tag_keys", _) => new[] { "team" },
                ("key_spec", _) when method.Name is "GenerateDataKey" or "GenerateDataKeyWithoutPlaintext" => null,
                ("expiration_model", _) => field.EnumType.Values.First(v => v.Name.Contains("DOES_NOT_EXPIRE", StringComparison.Ordinal)).Number,
                (_, FieldType.Enum) when !field.IsRepeated => field.EnumType.Values.First(v => v.Number != 0).Number,
                _ => null,
            };
            if (value is null)
            {
                continue;
            }

            if (field.IsRepeated && value is string[] list)
            {
                var target = (System.Collections.IList)field.Accessor.GetValue(request);
                foreach (var item in list)
                {
                    target.Add(item);
                }
            }
            else if (!field.IsRepeated && !field.IsMap && field.FieldType != FieldType.Message)
            {
                field.Accessor.SetValue(request, value);
            }
        }

        if (method.Name == "CreateGrant")
        {
            ((System.Collections.IList)method.InputType.FindFieldByName("operations").Accessor.GetValue(request)).Add(GrantOperation.Decrypt);
        }

        if (method.Name == "TagResource")
        {
            ((System.Collections.IList)method.InputType.FindFieldByName("tags").Accessor.GetValue(request)).Add(new Tag { TagKey = "team", TagValue = "x" });
        }

        return request;
    }

    private static IEnumerable<MethodDescriptor> Descriptors() =>
        new[] { KeyManagementService.Descriptor, AuditLog.Descriptor, PrincipalAdmin.Descriptor, RegionAdmin.Descriptor }.SelectMany(s => s.Methods);

    public void Dispose() => _directory.Dispose();
}
