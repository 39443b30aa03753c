using System.Text.Json;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

/// <summary>Reads Project Wycheproof vector files and tallies outcomes per result class.</summary>
internal static class Wycheproof
{
    public static IEnumerable<(JsonElement Group, JsonElement Test)> Cases(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.Wycheproof(file)));
        foreach (var group in document.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                yield return (group.Clone(), test.Clone());
            }
        }
    }

    public static byte[] Hex(this JsonElement element, string name) => Convert.FromHexString(element.GetProperty(name).GetString()!);

    public static string Result(this JsonElement test) => test.GetProperty("result").GetString()!;

    /// <summary>
    /// Runs every case: a valid case must be accepted, an invalid one rejected. Acceptable cases (legal but weak
    /// encodings) are left to the underlying library; they are counted so a change in that library shows. A case of
    /// a shape the product never uses (another nonce size, a truncated MAC, an OAEP label) is out of scope: the
    /// checker must show that the product's configuration refuses it.
    /// </summary>
    public static Tally Run(string file, Func<JsonElement, JsonElement, Outcome> check)
    {
        var tally = new Tally();
        foreach (var (group, test) in Cases(file))
        {
            Outcome outcome;
            try
            {
                outcome = check(group, test);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException
                                          or FormatException or Org.BouncyCastle.Crypto.CryptoException
                                          or InvalidOperationException or System.Formats.Asn1.AsnContentException)
            {
                outcome = Outcome.Rejected;
            }

            if (outcome == Outcome.OutOfScope)
            {
                tally.OutOfScope++;
                tally.Total++;
                continue;
            }

            var accepted = outcome == Outcome.Accepted;
            var id = test.GetProperty("tcId").GetInt32();
            switch (test.Result())
            {
                case "valid" when !accepted:
                    tally.Failures.Add($"tcId {id} valid but rejected ({test.GetProperty("comment").GetString()})");
                    break;
                case "invalid" when accepted:
                    tally.Failures.Add($"tcId {id} invalid but accepted ({test.GetProperty("comment").GetString()})");
                    break;
                case "acceptable":
                    tally.Acceptable++;
                    break;
            }

            tally.Total++;
        }

        Assert.True(tally.Total > 0, $"{file} has no cases");
        Assert.True(tally.Failures.Count == 0, $"{file}: {string.Join("; ", tally.Failures.Take(20))}");
        return tally;
    }

    public static Outcome Of(bool accepted) => accepted ? Outcome.Accepted : Outcome.Rejected;

    internal enum Outcome
    {
        Accepted,
        Rejected,
        OutOfScope,
    }

    internal sealed class Tally
    {
        public int Total { get; set; }

        public int Acceptable { get; set; }

        public int OutOfScope { get; set; }

        public List<string> Failures { get; } = [];
    }
}
