using System.Collections.ObjectModel;
using DeployDirector.Contracts;

namespace DeployDirector.Manifest;

/// <summary>What an instance group says about itself as a service group: failover, balance, autoscale
/// and the ports its jobs listen on, checked against its instances and lifecycle.</summary>
internal sealed partial class ManifestReader
{
    public const int MaxPort = 65_535;

    private static readonly string[] ServiceOnlyKeys = ["failover", "balance", "autoscale"];

    private sealed record ServicePolicies(FailoverPolicy Failover, BalancePolicy Balance, AutoscalePolicy? Autoscale, IReadOnlyDictionary<string, int> Ports);

    /// <param name="instances">The group's instances, or null when invalid.</param>
    /// <param name="lifecycle">The group's lifecycle, or null when invalid (an errand's blocks are then read as a service's).</param>
    private ServicePolicies? ReadServicePolicies(MappingFields group, int? instances, string? lifecycle)
    {
        int errors = _context.ErrorCount;
        IReadOnlyDictionary<string, int>? ports = group.Optional("ports") is { } p ? ReadPorts(p) : ReadOnlyDictionary<string, int>.Empty;
        if (lifecycle == Lifecycle.Errand)
        {
            foreach (string key in ServiceOnlyKeys.Where(key => group.Optional(key) is not null))
            {
                _context.Error(group.KeyPosition(key)!.Value, $"an errand group takes no '{key}' (it runs to completion; {key} is for service groups): remove it");
            }
            return _context.ErrorCount == errors && ports is not null ? new ServicePolicies(FailoverPolicy.Default, DefaultBalance(instances), null, ports) : null;
        }
        FailoverPolicy? failover = group.Optional("failover") is { } f ? ReadFailover(f) : FailoverPolicy.Default;
        BalancePolicy? balance = group.Optional("balance") is { } b ? ReadBalance(b, instances) : DefaultBalance(instances);
        AutoscalePolicy? autoscale = group.Optional("autoscale") is { } a ? ReadAutoscale(a) : null;
        if (autoscale is not null && instances is { } count)
        {
            CheckScaleBounds(group, count, autoscale);
        }
        return _context.ErrorCount == errors && failover is not null && balance is not null && ports is not null
            ? new ServicePolicies(failover, balance, autoscale, ports)
            : null;
    }

    private void CheckScaleBounds(MappingFields group, int instances, AutoscalePolicy autoscale)
    {
        SourcePosition at = Given(group, "instances");
        if (instances < autoscale.Min)
        {
            _context.Error(at, $"'instances' ({instances}) is below autoscale's 'min' ({autoscale.Min}): the group starts within its bounds; raise instances or lower min");
        }
        else if (instances > autoscale.Max)
        {
            _context.Error(at, $"'instances' ({instances}) is above autoscale's 'max' ({autoscale.Max}): the group starts within its bounds; lower instances or raise max");
        }
    }

    private ReadOnlyDictionary<string, int>? ReadPorts(ManifestNode node)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        if (node is not ManifestMapping mapping)
        {
            _context.Error(node.Position, $"'ports' must be a mapping of port name to TCP port (http: 8080), not a {Kind(node)}");
            return null;
        }
        int errors = _context.ErrorCount;
        Dictionary<string, int> ports = new(StringComparer.Ordinal);
        foreach ((string name, ManifestScalar key, ManifestNode value) in MappingEntries.Unique(mapping, _context))
        {
            if (!ManifestNames.Port().IsMatch(name))
            {
                _context.Error(key.Position, $"port name '{Shown(name)}' must be {ManifestNames.PortRule}");
            }
            else if (Int(value, name, 1, MaxPort) is { } port)
            {
                ports[name] = port;
            }
        }
        return _context.ErrorCount == errors ? ports.AsReadOnly() : null;
    }
}
