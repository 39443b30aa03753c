using Google.Protobuf;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Cluster.Tests.Policies;

/// <summary>
/// One secure Region (TLS, API keys, no anonymous mode) with the principals the policy table speaks of: the users admin,
/// alice and bob, and the role ops. Shared by every case; each case makes its own keys.
/// </summary>
public sealed class PolicyRegion : IAsyncLifetime
{
    public const string Account = "111122223333";
    public const string Root = "arn:aws:iam::111122223333:root";
    public const string AdminUser = "arn:aws:iam::111122223333:user/admin";
    public const string Alice = "arn:aws:iam::111122223333:user/alice";
    public const string Bob = "arn:aws:iam::111122223333:user/bob";
    public const string Ops = "arn:aws:iam::111122223333:role/ops";

    private readonly TempDirectory _directory = new();
    private readonly Dictionary<string, MrkClient> _clients = new(StringComparer.Ordinal);
    private KeyMetadata? _otherKey;

    public SecureRegion Region { get; private set; } = null!;

    public MrkClient As(string who) => _clients[who];

    public async Task InitializeAsync()
    {
        Region = await SecureRegion.StartAsync(_directory.Path, null);
        foreach (var (name, type) in new[] { ("admin", "user"), ("alice", "user"), ("bob", "user"), ("ops", "role") })
        {
            await AddAsync(name, type);
        }
    }

    /// <summary>Creates a principal and an API key for it; the client is found by its name afterwards.</summary>
    public async Task<PrincipalEntry> AddAsync(string name, string type = "user")
    {
        var principal = (PrincipalEntry)await Region.AdminAsync("CreatePrincipal", new CreatePrincipalRequest { Name = name, Type = type });
        var key = (CreateApiKeyResponse)await Region.AdminAsync("CreateApiKey", new CreateApiKeyRequest { PrincipalArn = principal.Arn });
        if (_clients.Remove(name, out var previous))
        {
            previous.Dispose();
        }

        _clients[name] = Region.Client(key.Token);
        return principal;
    }

    /// <summary>A second key every principal of the account may use (the default policy), made once.</summary>
    public async Task<KeyMetadata> OtherKeyAsync() => _otherKey ??= (await As("admin").CreateKeyAsync(new CreateKeyRequest { Description = "other" }).WithTimeout()).KeyMetadata;

    public Task DeleteAsync(string arn) => Region.AdminAsync("DeletePrincipal", new DeletePrincipalRequest { PrincipalArn = arn });

    /// <summary>A new key made by admin (default policy), with a ciphertext under it for {dept: hr}.</summary>
    public async Task<(KeyMetadata Key, ByteString Ciphertext)> NewKeyAsync(KeyShape shape)
    {
        var request = shape switch
        {
            KeyShape.EccSign => new CreateKeyRequest { KeySpec = KeySpec.EccNistP256, KeyUsage = KeyUsageType.SignVerify },
            KeyShape.Hmac => new CreateKeyRequest { KeySpec = KeySpec.Hmac256, KeyUsage = KeyUsageType.GenerateVerifyMac },
            KeyShape.MultiRegion => new CreateKeyRequest { MultiRegion = true },
            _ => new CreateKeyRequest(),
        };
        request.Tags.Add(new Tag { TagKey = "team", TagValue = "payments" });
        var key = (await As("admin").CreateKeyAsync(request).WithTimeout()).KeyMetadata;
        if (shape is KeyShape.EccSign or KeyShape.Hmac)
        {
            return (key, ByteString.Empty);
        }

        var encrypted = await As("admin").EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("policy table"), EncryptionContext = { ["dept"] = "hr" },
        }).WithTimeout();
        return (key, encrypted.CiphertextBlob);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await Region.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The kind of key a case runs against.</summary>
public enum KeyShape
{
    Symmetric,
    MultiRegion,
    EccSign,
    Hmac,
}
