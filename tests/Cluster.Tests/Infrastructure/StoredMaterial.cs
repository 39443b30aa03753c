using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// Reads a stopped or running Region's store the way an auditor with its domain key file could: unwraps every material
/// version with the documented at-rest layout (0x01 | fingerprint(8) | nonce(12) | ciphertext | tag(16), AAD
/// "mrk/v1/material\0{keyId}\0{materialId}\0{region}"), independently of the product's code.
/// </summary>
public static class StoredMaterial
{
    public static IReadOnlyList<(string KeyId, string MaterialId, byte[] Material)> Unwrap(string dataDirectory, string region)
    {
        var raw = File.ReadAllBytes(Path.Combine(dataDirectory, "domain.key"));
        var domainKey = raw.Length == 32 ? raw : Convert.FromBase64String(Encoding.ASCII.GetString(raw).Trim());
        var result = new List<(string, string, byte[])>();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "region.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, material_id, wrapped FROM key_materials WHERE wrapped IS NOT NULL;";
        using var reader = command.ExecuteReader();
        using var gcm = new AesGcm(domainKey, 16);
        while (reader.Read())
        {
            var (keyId, materialId, wrapped) = (reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2));
            var plaintext = new byte[wrapped.Length - 1 - 8 - 12 - 16];
            gcm.Decrypt(wrapped.AsSpan(9, 12), wrapped.AsSpan(21, plaintext.Length), wrapped.AsSpan(wrapped.Length - 16), plaintext,
                Encoding.ASCII.GetBytes($"mrk/v1/material\0{keyId}\0{materialId}\0{region}"));
            result.Add((keyId, materialId, plaintext));
        }

        return result;
    }

    /// <summary>True when any file under <paramref name="folder"/> holds <paramref name="secret"/> raw, as hex or as base64.</summary>
    public static string? FindIn(string folder, byte[] secret)
    {
        var forms = new[]
        {
            secret, Encoding.ASCII.GetBytes(Convert.ToHexString(secret)), Encoding.ASCII.GetBytes(Convert.ToHexString(secret).ToLowerInvariant()),
            Encoding.ASCII.GetBytes(Convert.ToBase64String(secret)),
        };
        // node.lock is held exclusively by a running node and is always empty.
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "node.lock"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            if (forms.Any(form => bytes.AsSpan().IndexOf(form) >= 0))
            {
                return file;
            }
        }

        return null;
    }
}
