using System.Diagnostics;
using System.Text.RegularExpressions;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// The deployment files parse and agree with the project: compose.yaml runs with the composes users have, and the
/// Kubernetes manifests name only images the project builds, ports the processes listen on, and Secrets (with their
/// keys) that deploy/kubernetes/create-secrets.sh makes from a real `mrk cluster bootstrap`.
/// </summary>
public sealed partial class DeploymentManifestTests
{
    private static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    private static readonly string Deploy = Path.Combine(RepoPaths.Root, "deploy");

    [Fact]
    public void Compose_WrittenForEveryCompose_EachRegionOwnVolumeHealthCheckAndPort()
    {
        var compose = Map(Load(Path.Combine(RepoPaths.Root, "compose.yaml")).Single());
        var overrides = Map(Load(Path.Combine(RepoPaths.Root, "compose.override.yaml")).Single());
        Assert.DoesNotContain("name", compose.Keys);
        Assert.DoesNotContain("include", compose.Keys);
        var services = Map(compose["services"]);
        Assert.Equal(["init", "controlplane", .. Regions, "principals", "mrk"], services.Keys);
        foreach (var (name, value) in services)
        {
            var service = Map(value);
            AssertBuiltImage((string)service["image"]);
            if (service.TryGetValue("depends_on", out var dependsOn))
            {
                Assert.All(Map(dependsOn).Values, d => Assert.DoesNotContain("required", Map(d).Keys));
            }

            if (name is "init" or "principals" or "mrk")
            {
                continue;
            }

            Assert.Equal("unless-stopped", service["restart"]);
            Assert.Equal("probe", List(Map(service["healthcheck"])["test"]).Last());
            var environment = Map(service["environment"]);
            var ports = new List<int> { ListeningPort((string)environment["ASPNETCORE_URLS"]) };
            if (environment.TryGetValue("ControlPlane__ConsoleUrl", out var console))
            {
                ports.Add(ListeningPort((string)console));
            }

            Assert.Equal(ports.Select(p => $"{p}:{p}"), List(Map(Map(overrides["services"])[name])["ports"]).Cast<string>());
        }

        var volumes = Map(compose["volumes"]).Keys;
        foreach (var region in Regions)
        {
            var mounts = List(Map(services[region])["volumes"]).Cast<string>().ToList();
            Assert.Contains($"{region}-data:/data", mounts);
            Assert.Contains($"{region}-data", volumes);
            Assert.Equal(region, Map(Map(services[region])["environment"])["Mrk__Region"]);
        }
    }

    [Fact]
    public async Task Kubernetes_ImagesPortsAndSecretsExistInTheProject()
    {
        var secrets = await GeneratedSecretsAsync();
        var kustomization = Map(Load(Path.Combine(Deploy, "kubernetes", "kustomization.yaml")).Single());
        var documents = List(kustomization["resources"]).Cast<string>()
            .SelectMany(file => Load(Path.Combine(Deploy, "kubernetes", file))).Select(Map).ToList();
        var statefulSets = documents.Where(d => (string)d["kind"] == "StatefulSet").ToList();
        Assert.Equal(["controlplane", .. Regions], statefulSets.Select(s => (string)Map(s["metadata"])["name"]));

        foreach (var set in statefulSets)
        {
            var spec = Map(set["spec"]);
            Assert.Equal("1", spec["replicas"]);
            Assert.Equal("data", Map(Map(List(spec["volumeClaimTemplates"]).Single())["metadata"])["name"]);
            var template = Map(spec["template"]);
            Assert.Equal(Map(Map(spec["selector"])["matchLabels"]), Map(Map(template["metadata"])["labels"]));
            var pod = Map(template["spec"]);
            var container = Map(List(pod["containers"]).Single());
            var image = (string)container["image"];
            AssertBuiltImage(image);
            var entrypoint = Entrypoint(image);
            Assert.Equal([entrypoint, "probe"], List(Map(Map(container["readinessProbe"])["exec"])["command"]));
            Assert.Equal([entrypoint, "probe"], List(Map(Map(container["livenessProbe"])["exec"])["command"]));

            var environment = List(container["env"]).Select(Map).ToDictionary(e => (string)e["name"], e => e);
            var port = ListeningPort((string)environment["ASPNETCORE_URLS"]["value"]);
            var containerPorts = List(container["ports"]).Select(Map).ToList();
            Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), containerPorts[0]["containerPort"]);
            if (environment.TryGetValue("ControlPlane__ConsoleUrl", out var console))
            {
                Assert.Equal(ListeningPort((string)console["value"]).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Assert.Single(containerPorts, p => (string)p["name"] == "console")["containerPort"]);
            }

            Assert.Equal(environment.ContainsKey("ControlPlane__ConsoleUrl") ? 2 : 1, containerPorts.Count);
            var service = documents.Single(d => (string)d["kind"] == "Service" && (string)Map(d["metadata"])["name"] == (string)Map(set["metadata"])["name"]);
            Assert.Equal(containerPorts.Select(p => p["name"]), List(Map(service["spec"])["ports"]).Select(p => Map(p)["targetPort"]));
            Assert.Equal(Map(Map(service["spec"])["selector"]), Map(Map(template["metadata"])["labels"]));

            foreach (var reference in environment.Values.Where(e => e.ContainsKey("valueFrom")))
            {
                var key = Map(Map(reference["valueFrom"])["secretKeyRef"]);
                AssertSecretKey(secrets, (string)key["name"], (string)key["key"]);
            }

            var certs = Map(List(pod["volumes"]).Select(Map).Single(v => (string)v["name"] == "certs")["projected"]);
            var paths = new List<string>();
            foreach (var source in List(certs["sources"]).Select(s => Map(Map(s)["secret"])))
            {
                foreach (var item in List(source["items"]).Select(Map))
                {
                    AssertSecretKey(secrets, (string)source["name"], (string)item["key"]);
                    paths.Add((string)item["path"]);
                }
            }

            // The files each process is configured to read are the ones the projected volume lays out.
            foreach (var file in environment.Values.Where(e => e.ContainsKey("value")).Select(e => (string)e["value"])
                         .Where(v => v.StartsWith("/certs/", StringComparison.Ordinal)))
            {
                Assert.Contains(file["/certs/".Length..], paths);
            }
        }

        var controlPlane = Map(List(Map(Map(Map(statefulSets[0]["spec"])["template"])["spec"])["containers"]).Single());
        var regions = (string)List(controlPlane["env"]).Select(Map).Single(e => (string)e["name"] == "ControlPlane__Regions")["value"];
        Assert.Equal(Regions, regions.Split(','));
    }

    /// <summary>
    /// The replicated variant: three log servers and three ControlPlane replicas, every replica listing every log
    /// server, every Region listing every replica, with certificates and Secrets the project makes.
    /// </summary>
    [Fact]
    public async Task ReplicatedRelay_ComposeAndKubernetes_ListEveryReplicaAndLogServer()
    {
        var compose = Map(Map(Load(Path.Combine(Deploy, "compose", "ha.yaml")).Single())["services"]);
        string[] logServers = ["relay-log-0", "relay-log-1", "relay-log-2"];
        string[] replicas = ["controlplane", "controlplane-1", "controlplane-2"];
        foreach (var server in logServers)
        {
            var service = Map(compose[server]);
            AssertBuiltImage((string)service["image"]);
            Assert.Equal(logServers.Select(s => $"{s}:6222"), ((string)Map(service["environment"])["RELAY_LOG_ROUTES"]).Split(' '));
        }

        foreach (var replica in replicas)
        {
            var environment = Map(Map(compose[replica])["environment"]);
            Assert.Equal(logServers.Order(), ((string)environment["ControlPlane__Queue"]).Split(',').Select(u => new Uri(u).Host).Order());
            Assert.Equal("/certs/relay-log/tls.crt", environment["ControlPlane__RelayLogCertificateFile"]);
        }

        foreach (var region in Regions)
        {
            Assert.Equal(replicas, ((string)Map(Map(compose[region])["environment"])["Mrk__ControlPlaneUrl"]).Split(',').Select(u => new Uri(u).Host));
        }

        var hosts = ((string)Map(Map(compose["init"])["environment"])["MRK_HOSTS"]).Split(',');
        Assert.All(logServers, s => Assert.Contains($"relay-log={s}", hosts));
        Assert.All(replicas.Skip(1), r => Assert.Contains($"controlplane={r}", hosts));

        var secrets = await GeneratedSecretsAsync();
        var folder = Path.Combine(Deploy, "kubernetes-ha");
        var kustomization = Map(Load(Path.Combine(folder, "kustomization.yaml")).Single());
        Assert.Equal(["../kubernetes", "relay-log.yaml"], List(kustomization["resources"]));
        var documents = List(kustomization["patches"]).Select(p => (string)Map(p)["path"]).Append("relay-log.yaml")
            .SelectMany(file => Load(Path.Combine(folder, file))).Select(Map).ToList();
        var sets = documents.Where(d => (string)d["kind"] == "StatefulSet").ToDictionary(d => (string)Map(d["metadata"])["name"], d => Map(d["spec"]));
        Assert.Equal("3", sets["relay-log"]["replicas"]);
        Assert.Equal("3", sets["controlplane"]["replicas"]);
        var logPod = Map(Map(sets["relay-log"]["template"])["spec"]);
        AssertBuiltImage((string)Map(List(logPod["containers"]).Single())["image"]);
        var replicaEnvironment = List(Map(List(Map(Map(sets["controlplane"]["template"])["spec"])["containers"]).Single())["env"]).Select(Map)
            .ToDictionary(e => (string)e["name"], e => e);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => $"relay-log-{i}.relay-log.grpc-mrk.svc"),
            ((string)replicaEnvironment["ControlPlane__Queue"]["value"]).Split(',').Select(u => new Uri(u).Host));
        foreach (var pod in new[] { logPod, Map(Map(sets["controlplane"]["template"])["spec"]) })
        {
            var certs = Map(List(pod["volumes"]).Select(Map).Single(v => (string)v["name"] == "certs")["projected"]);
            foreach (var source in List(certs["sources"]).Select(s => Map(Map(s)["secret"])))
            {
                foreach (var item in List(source["items"]).Select(Map))
                {
                    AssertSecretKey(secrets, (string)source["name"], (string)item["key"]);
                }
            }
        }

        foreach (var region in Regions)
        {
            var env = List(Map(List(Map(Map(sets[region]["template"])["spec"])["containers"]).Single())["env"]).Select(Map).Single();
            Assert.Equal(Enumerable.Range(0, 3).Select(i => $"controlplane-{i}.controlplane.grpc-mrk.svc"),
                ((string)env["value"]).Split(',').Select(u => new Uri(u).Host));
        }
    }

    private static void AssertBuiltImage(string image)
    {
        var match = ImageName().Match(image);
        Assert.True(match.Success, $"{image} is not an image the project builds");
        Assert.True(File.Exists(Path.Combine(Deploy, "docker", match.Groups[1].Value + ".Dockerfile")), $"no Dockerfile for {image}");
        var build = File.ReadAllText(Path.Combine(RepoPaths.Root, "scripts", "build-images.sh"));
        Assert.True(build.Contains("images=(regionnode controlplane mrk)", StringComparison.Ordinal)
            || (match.Groups[1].Value == "relay-log" && build.Contains("images+=(relay-log)", StringComparison.Ordinal)), $"build-images.sh does not build {image}");
    }

    private static string Entrypoint(string image)
    {
        var dockerfile = File.ReadAllText(Path.Combine(Deploy, "docker", ImageName().Match(image).Groups[1].Value + ".Dockerfile"));
        return EntrypointLine().Match(dockerfile).Groups[1].Value;
    }

    private static void AssertSecretKey(Dictionary<string, HashSet<string>> secrets, string name, string key)
    {
        Assert.True(secrets.TryGetValue(name, out var keys), $"no Secret {name} is made by create-secrets.sh");
        Assert.Contains(key, keys!);
    }

    private static int ListeningPort(string urls) => new Uri(urls.Split(';')[0].Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;

    /// <summary>Runs create-secrets.sh on a folder made by the real `mrk cluster bootstrap`; returns each Secret's keys.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> GeneratedSecretsAsync()
    {
        using var work = new TempDirectory();
        var (code, _, error) = await MrkCli.RunAsync(work.Path, ["cluster", "bootstrap", "--out", work.Sub("certs"), "--regions", string.Join(',', Regions),
            "--hosts", "controlplane=controlplane.grpc-mrk.svc,us-east-1=us-east-1.grpc-mrk.svc"]);
        Assert.True(code == 0, error);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(Deploy, "kubernetes", "create-secrets.sh"), work.Sub("certs"), string.Join(',', Regions) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout();
        Assert.True(process.ExitCode == 0, await stderr);
        var secrets = LoadText(await output).Select(Map).ToList();
        Assert.All(secrets, s => Assert.Equal("Secret", s["kind"]));
        Assert.DoesNotContain(secrets, s => Map(s["data"]).Keys.Any(k => k.Contains("ca.key", StringComparison.Ordinal)));
        return secrets.ToDictionary(s => (string)Map(s["metadata"])["name"], s => Map(s["data"]).Keys.ToHashSet());
    }

    private static List<object> Load(string path) => LoadText(File.ReadAllText(path));

    private static List<object> LoadText(string text)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(text)));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<object>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (deserializer.Deserialize(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    private static Dictionary<string, object> Map(object node) =>
        ((Dictionary<object, object>)node).ToDictionary(p => (string)p.Key, p => p.Value);

    private static List<object> List(object node) => (List<object>)node;

    [GeneratedRegex(@"^grpc-mrk/(regionnode|controlplane|mrk|relay-log):[\w.${}:-]+$")]
    private static partial Regex ImageName();

    [GeneratedRegex("""ENTRYPOINT \["([^"]+)"\]""")]
    private static partial Regex EntrypointLine();
}
