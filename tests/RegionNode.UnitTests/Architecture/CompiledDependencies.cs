using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Grpc.Mrk.RegionNode.UnitTests.Architecture;

/// <summary>
/// What an assembly's code uses, read from its compiled metadata and IL rather than from its source: the assemblies it
/// references, and for each of its folders (the namespace segment under a root) the other folders whose types its
/// types mention anywhere: base types, fields, signatures, locals, and every type, method and field a method body
/// touches. A fully qualified name or a <c>global using</c> cannot hide a dependency from it.
/// </summary>
internal static class CompiledDependencies
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The simple names of the assemblies <paramref name="assemblyPath"/> references.</summary>
    public static IReadOnlyList<string> ReferencedAssemblies(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        return reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// For each folder under <paramref name="rootNamespace"/> (its first namespace segment below the root), the folders
    /// it uses, each with one example "Type -> Type" to show where.
    /// </summary>
    public static Dictionary<string, Dictionary<string, string>> FolderGraph(string assemblyPath, string rootNamespace)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        var graph = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var handle in reader.TypeDefinitions)
        {
            var from = Folder(reader, handle, rootNamespace);
            if (from is null)
            {
                continue;
            }

            var used = new HashSet<TypeDefinitionHandle>();
            foreach (var target in TypesUsedBy(pe, reader, handle, used))
            {
                var to = Folder(reader, target, rootNamespace);
                if (to is null || to == from)
                {
                    continue;
                }

                var edges = graph.TryGetValue(from, out var existing) ? existing : graph[from] = new(StringComparer.Ordinal);
                edges.TryAdd(to, $"{Name(reader, handle)} -> {Name(reader, target)}");
            }
        }

        return graph;
    }

    /// <summary>
    /// The types of <paramref name="assemblyPath"/> (outermost, so closures count for the method that made them) whose
    /// code calls a method named <paramref name="method"/> of a type named <paramref name="type"/>, defined in this
    /// assembly or another.
    /// </summary>
    public static IReadOnlySet<string> CallersOf(string assemblyPath, string type, string method)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        var callers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in reader.TypeDefinitions)
        {
            foreach (var methodHandle in reader.GetTypeDefinition(handle).GetMethods())
            {
                var definition = reader.GetMethodDefinition(methodHandle);
                if (definition.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                var il = pe.GetMethodBody(definition.RelativeVirtualAddress).GetILReader();
                while (il.RemainingBytes > 0)
                {
                    var opCode = NextOpCode(ref il);
                    if (opCode.OperandType != OperandType.InlineMethod)
                    {
                        SkipOperand(ref il, opCode);
                    }
                    else if (Called(reader, MetadataTokens.EntityHandle(il.ReadInt32())) == (type, method))
                    {
                        callers.Add(Name(reader, Outermost(reader, handle)));
                    }
                }
            }
        }

        return callers;
    }

    /// <summary>Every cycle among the folders, as "A -> B -> A" with the examples of each step.</summary>
    public static IReadOnlyList<string> Cycles(Dictionary<string, Dictionary<string, string>> graph)
    {
        var cycles = new List<string>();
        foreach (var component in StronglyConnected(graph).Where(c => c.Count > 1))
        {
            var members = component.ToHashSet(StringComparer.Ordinal);
            var steps = component.SelectMany(from => graph[from].Where(e => members.Contains(e.Key)).Select(e => $"{from} -> {e.Key} ({e.Value})"));
            cycles.Add($"[{string.Join(", ", component.Order(StringComparer.Ordinal))}]: {string.Join("; ", steps)}");
        }

        return cycles;
    }

    private static HashSet<TypeDefinitionHandle> TypesUsedBy(PEReader pe, MetadataReader reader, TypeDefinitionHandle handle, HashSet<TypeDefinitionHandle> used)
    {
        var collector = new Collector(used);
        var type = reader.GetTypeDefinition(handle);
        AddEntity(reader, type.BaseType, collector);
        foreach (var implementation in type.GetInterfaceImplementations())
        {
            AddEntity(reader, reader.GetInterfaceImplementation(implementation).Interface, collector);
        }

        foreach (var field in type.GetFields())
        {
            reader.GetFieldDefinition(field).DecodeSignature(collector, null);
        }

        foreach (var property in type.GetProperties())
        {
            reader.GetPropertyDefinition(property).DecodeSignature(collector, null);
        }

        foreach (var methodHandle in type.GetMethods())
        {
            var method = reader.GetMethodDefinition(methodHandle);
            method.DecodeSignature(collector, null);
            if (method.RelativeVirtualAddress != 0)
            {
                ScanBody(pe.GetMethodBody(method.RelativeVirtualAddress), reader, collector);
            }
        }

        foreach (var attribute in type.GetCustomAttributes())
        {
            AddEntity(reader, reader.GetCustomAttribute(attribute).Constructor, collector);
        }

        return used;
    }

    private static void ScanBody(MethodBodyBlock body, MetadataReader reader, Collector collector)
    {
        if (!body.LocalSignature.IsNil)
        {
            reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(collector, null);
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            var opCode = NextOpCode(ref il);
            if (opCode.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType)
            {
                AddEntity(reader, MetadataTokens.EntityHandle(il.ReadInt32()), collector);
            }
            else
            {
                SkipOperand(ref il, opCode);
            }
        }
    }

    private static OpCode NextOpCode(ref BlobReader il)
    {
        short value = il.ReadByte();
        if (value == 0xFE)
        {
            value = unchecked((short)(0xFE00 | il.ReadByte()));
        }

        return OpCodesByValue[value];
    }

    private static void SkipOperand(ref BlobReader il, OpCode opCode)
    {
        switch (opCode.OperandType)
        {
            case OperandType.InlineSwitch:
                var targets = il.ReadInt32();
                il.Offset += 4 * targets;
                break;
            case OperandType.InlineI8 or OperandType.InlineR:
                il.Offset += 8;
                break;
            case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType
                or OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString or OperandType.ShortInlineR:
                il.Offset += 4;
                break;
            case OperandType.InlineVar:
                il.Offset += 2;
                break;
            case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                il.Offset += 1;
                break;
        }
    }

    private static void AddEntity(MetadataReader reader, EntityHandle handle, Collector collector)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                collector.Used.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(collector, null);
                break;
            case HandleKind.MethodDefinition:
                collector.Used.Add(reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                collector.Used.Add(reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                AddEntity(reader, reader.GetMemberReference((MemberReferenceHandle)handle).Parent, collector);
                break;
            case HandleKind.MethodSpecification:
                var specification = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                AddEntity(reader, specification.Method, collector);
                specification.DecodeSignature(collector, null);
                break;
        }
    }

    /// <summary>The simple type name and method name a call token names, when it names a method.</summary>
    private static (string Type, string Method)? Called(MetadataReader reader, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                var definition = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                return (reader.GetString(reader.GetTypeDefinition(definition.GetDeclaringType()).Name), reader.GetString(definition.Name));
            case HandleKind.MemberReference:
                var reference = reader.GetMemberReference((MemberReferenceHandle)handle);
                var parent = reference.Parent.Kind switch
                {
                    HandleKind.TypeReference => reader.GetString(reader.GetTypeReference((TypeReferenceHandle)reference.Parent).Name),
                    HandleKind.TypeDefinition => reader.GetString(reader.GetTypeDefinition((TypeDefinitionHandle)reference.Parent).Name),
                    _ => null,
                };
                return parent is null ? null : (parent, reader.GetString(reference.Name));
            case HandleKind.MethodSpecification:
                return Called(reader, reader.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return null;
        }
    }

    private static TypeDefinitionHandle Outermost(MetadataReader reader, TypeDefinitionHandle handle)
    {
        while (reader.GetTypeDefinition(handle) is { IsNested: true } nested)
        {
            handle = nested.GetDeclaringType();
        }

        return handle;
    }

    private static string? Folder(MetadataReader reader, TypeDefinitionHandle handle, string rootNamespace)
    {
        var type = reader.GetTypeDefinition(handle);
        while (type.IsNested)
        {
            type = reader.GetTypeDefinition(type.GetDeclaringType());
        }

        var ns = reader.GetString(type.Namespace);
        if (ns == rootNamespace)
        {
            return "(root)";
        }

        return ns.StartsWith(rootNamespace + ".", StringComparison.Ordinal) ? ns[(rootNamespace.Length + 1)..].Split('.')[0] : null;
    }

    private static string Name(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = reader.GetString(type.Name);
        return type.IsNested ? $"{Name(reader, type.GetDeclaringType())}.{name}" : name;
    }

    private static List<List<string>> StronglyConnected(Dictionary<string, Dictionary<string, string>> graph)
    {
        // Tarjan's algorithm over a graph of a dozen folders.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var result = new List<List<string>>();
        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges.Keys.ToList() : [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (stack.Contains(next) && index.TryGetValue(next, out var nextIndex))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    component.Add(member);
                }
                while (member != node);
                result.Add(component);
            }
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal).Where(n => !index.ContainsKey(n)))
        {
            Visit(node);
        }

        return result;
    }

    /// <summary>Decodes signatures only to collect the type definitions of this assembly that they mention.</summary>
    private sealed class Collector(HashSet<TypeDefinitionHandle> used) : ISignatureTypeProvider<bool, object?>
    {
        public HashSet<TypeDefinitionHandle> Used => used;

        public bool GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => used.Add(handle);

        public bool GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => false;

        public bool GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public bool GetArrayType(bool elementType, ArrayShape shape) => false;

        public bool GetByReferenceType(bool elementType) => false;

        public bool GetFunctionPointerType(MethodSignature<bool> signature) => false;

        public bool GetGenericInstantiation(bool genericType, ImmutableArray<bool> typeArguments) => false;

        public bool GetGenericMethodParameter(object? genericContext, int index) => false;

        public bool GetGenericTypeParameter(object? genericContext, int index) => false;

        public bool GetModifiedType(bool modifier, bool unmodifiedType, bool isRequired) => false;

        public bool GetPinnedType(bool elementType) => false;

        public bool GetPointerType(bool elementType) => false;

        public bool GetPrimitiveType(PrimitiveTypeCode typeCode) => false;

        public bool GetSZArrayType(bool elementType) => false;
    }
}
