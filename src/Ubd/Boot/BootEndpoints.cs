using System.Text;
using ImageTree.Tree;
using UnionBlock.Store;

namespace Ubd.Boot;

/// <summary>
/// The boot service nodes talk to (no token: a bare node has none). iPXE fetches
/// <c>/boot/ipxe</c>, which chains to its own MAC's script; that script registers an unknown node
/// (its leaf exists at once), and names the kernel, the initramfs and <c>nbdroot=</c> for its leaf.
/// Kernel and initramfs are served with range requests.
/// </summary>
public static class BootEndpoints
{
    public static void MapBootService(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder boot = app.MapGroup("/boot").WithTags("boot");
        boot.MapGet("/ipxe", (BootOptions options) => Script(
            "echo UnionBlock: asking for this node's boot script",
            $"chain {options.BaseUrl}/boot/node/${{net0/mac}}"))
            .WithSummary("The iPXE entry script (DHCP's boot file): chains to the node's own script by MAC");
        boot.MapGet("/node/{mac}", (ImageTreeService tree, BootOptions options, ILogger<BootOptions> log, IServiceProvider services, string mac) =>
        {
            try
            {
                BootPlan plan = tree.BootNode(mac, options.DefaultEdition);
                log.LogInformation("boot {Boot} of {Mac}: leaf {Leaf}{Moved}", plan.Boot, plan.Mac, plan.Leaf, plan.MovedTo is null ? "" : $", moved onto {plan.MovedTo}");
                string args = $"console=ttyS0 quiet nbdroot={options.AdvertisedHost}:{options.NbdPort}/{plan.Leaf} {AgentArguments(services, options, plan.Mac)}{plan.KernelArgs}".TrimEnd();
                return Script(
                    $"echo UnionBlock: {plan.Leaf} (boot {plan.Boot})",
                    $"kernel {options.BaseUrl}/boot/files/{BootOptions.Kernel} {args}",
                    $"initrd {options.BaseUrl}/boot/files/{BootOptions.Initrd}",
                    "boot");
            }
            catch (StoreException refused)
            {
                log.LogWarning("boot of {Mac} refused: {Reason}", mac, refused.Message);
                // iPXE cannot read problem+json: say why on the node's console and try again later.
                return Script($"echo UnionBlock cannot boot this node: {Sanitize(refused.Message)}", "sleep 30", "reboot");
            }
        }).WithSummary("A node's iPXE script; an unknown MAC registers as a new node");
        boot.MapGet("/files/{name}", (BootOptions options, string name) =>
            name is BootOptions.Kernel or BootOptions.Initrd && File.Exists(Path.Combine(options.FilesDirectory, name))
                ? Results.File(Path.Combine(options.FilesDirectory, name), "application/octet-stream", enableRangeProcessing: true)
                : Results.NotFound())
            .WithSummary("The kernel and the initramfs (range requests supported)");
    }

    /// <summary>With the director on, each boot hands the node's agent a fresh credential (the previous
    /// boot's stops working) and the director's address, on the kernel command line.</summary>
    private static string AgentArguments(IServiceProvider services, BootOptions options, string mac)
    {
        if (services.GetService<DeployDirector.Live.NodeRegistry>() is not { } nodes)
        {
            return "";
        }
        services.GetService<DeployDirector.ServiceGroups.ServiceGroupSupervisor>()?.NodeBooting(mac);
        string credential = nodes.IssueCredential(mac);
        return $"{DeployDirector.Contracts.AgentProtocol.DirectorArgument}={options.BaseUrl} {DeployDirector.Contracts.AgentProtocol.CredentialArgument}={credential} {DeployDirector.Contracts.AgentProtocol.NodeArgument}={mac} ";
    }

    private static IResult Script(params string[] lines)
    {
        var script = new StringBuilder("#!ipxe\n");
        foreach (string line in lines)
        {
            script.Append(line).Append('\n');
        }
        return Results.Text(script.ToString(), "text/plain");
    }

    private static string Sanitize(string text) => new([.. text.Where(c => c >= ' ' && c < 127 && c is not ('$' or '\\'))]);
}
