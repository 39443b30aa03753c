using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Chaos.Fuzz;

/// <summary>
/// A digest of everything a Region's store holds about keys, aliases, grants, imports and principals, read directly
/// from its SQLite file. Left out: the audit log (it records refused calls too) and the relay bookkeeping. The rows of
/// multi-Region keys (mrk-...) are in it only when asked: an acknowledged change to one of those keeps arriving in the
/// other Regions, and acknowledgements back at the primary, after the call that made it has answered, so they can be
/// compared only once the cluster is quiet.
/// </summary>
public static class StoreFingerprint
{
    private static readonly (string Table, string Where)[] Tables =
    [
        ("keys", "key_id NOT LIKE 'mrk-%'"), ("key_materials", "key_id NOT LIKE 'mrk-%'"), ("key_tombstones", "key_id NOT LIKE 'mrk-%'"),
        ("aliases", "1"), ("grants", "1"), ("import_parameters", "key_id NOT LIKE 'mrk-%'"), ("principals", "1"), ("api_keys", "1"),
    ];

    public static string Of(string storePath, bool multiRegion = false)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = storePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (table, where) in Tables)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} WHERE {(multiRegion ? "1" : where)} ORDER BY rowid;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i);
                    hash.AppendData(value is byte[] bytes ? bytes : System.Text.Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "∅"));
                    hash.AppendData([0]);
                }
            }

            hash.AppendData([1]);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
