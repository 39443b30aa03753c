using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// Looks for secrets where they must never be: every plaintext, message and MAC input the workload sent, in any file of
/// the cluster (stores, write-ahead logs, process logs, the ControlPlane's queue), raw, hex or base64; and every
/// symmetric and HMAC key material a Region holds (read from its store with its domain key, by the documented at-rest
/// layout) anywhere outside that Region's own store.
/// </summary>
public sealed class SecretScan(ChaosCluster cluster, Ledger ledger, RunFigures figures)
{
    private const int Window = 16;

    public void Run()
    {
        var clientSecrets = Forms(ledger.Secrets);
        var files = Directory.EnumerateFiles(cluster.Folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(cluster.Layout.Root, StringComparison.Ordinal) && !f.EndsWith(".jsonl", StringComparison.Ordinal)).ToList();
        foreach (var file in files)
        {
            var hits = Count(file, clientSecrets);
            figures.Check("no plaintext in any file of the cluster", hits == 0 ? null : $"{Path.GetRelativePath(cluster.Folder, file)}: {hits} plaintext fragments");
        }

        foreach (var region in ChaosCluster.Regions)
        {
            var material = Forms(StoredMaterial(region));
            var own = cluster.DataDirectory(region);
            foreach (var file in files.Where(f => !f.StartsWith(own + Path.DirectorySeparatorChar, StringComparison.Ordinal) || f.EndsWith(".log", StringComparison.Ordinal)))
            {
                var hits = Count(file, material);
                figures.Check("no key material outside its Region's store", hits == 0 ? null : $"{Path.GetRelativePath(cluster.Folder, file)}: {hits} fragments of {region} material");
            }
        }
    }

    /// <summary>Symmetric and HMAC material of one Region, unwrapped with its domain key
    /// (0x01 | fingerprint(8) | nonce(12) | ciphertext | tag(16), AAD "mrk/v1/material\0{keyId}\0{materialId}\0{region}").</summary>
    private List<byte[]> StoredMaterial(string region)
    {
        var folder = cluster.DataDirectory(region);
        var raw = File.ReadAllBytes(Path.Combine(folder, "domain.key"));
        var domainKey = raw.Length == 32 ? raw : Convert.FromBase64String(Encoding.ASCII.GetString(raw).Trim());
        var result = new List<byte[]>();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, "region.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT key_id, material_id, wrapped FROM key_materials WHERE wrapped IS NOT NULL AND length(wrapped) = 1 + 8 + 12 + 32 + 16;
            """;
        using var reader = command.ExecuteReader();
        using var gcm = new AesGcm(domainKey, 16);
        while (reader.Read())
        {
            var (keyId, materialId, wrapped) = (reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2));
            var plaintext = new byte[32];
            gcm.Decrypt(wrapped.AsSpan(9, 12), wrapped.AsSpan(21, 32), wrapped.AsSpan(wrapped.Length - 16), plaintext,
                Encoding.ASCII.GetBytes($"mrk/v1/material\0{keyId}\0{materialId}\0{region}"));
            result.Add(plaintext);
        }

        CryptographicOperations.ZeroMemory(domainKey);
        return result;
    }

    /// <summary>The first <see cref="Window"/> bytes of each secret raw, as lowercase and uppercase hex, and as base64.</summary>
    private static HashSet<(ulong, ulong)> Forms(IEnumerable<byte[]> secrets)
    {
        var forms = new HashSet<(ulong, ulong)>();
        foreach (var secret in secrets.Where(s => s.Length >= Window))
        {
            foreach (var form in new[]
                     {
                         secret, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(secret)), Encoding.ASCII.GetBytes(Convert.ToHexString(secret)),
                         Encoding.ASCII.GetBytes(Convert.ToBase64String(secret)),
                     })
            {
                forms.Add(Key(form));
            }
        }

        return forms;
    }

    private static (ulong, ulong) Key(ReadOnlySpan<byte> bytes) =>
        (BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));

    private static int Count(string file, HashSet<(ulong, ulong)> forms)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (IOException)
        {
            return 0;
        }

        var hits = 0;
        for (var i = 0; i + Window <= bytes.Length; i++)
        {
            hits += forms.Contains(Key(bytes.AsSpan(i, Window))) ? 1 : 0;
        }

        return hits;
    }
}
