using System.CommandLine;

namespace Ubd.Cli;

/// <summary>`ubd branch …`: service groups' frozen layers.</summary>
internal static class BranchCommands
{
    public static Command Build() => new("branch", "Create service-group branches and refresh them onto new editions")
    {
        Create(), LeafCommands.Refresh("branch"),
    };

    private static Command Create()
    {
        Option<string> name = CommonOptions.Name("Lineage of the service group (gives NAME@1)");
        Option<string> parent = CommonOptions.Parent("The frozen layer it builds on");
        return ApiCommand.Create("create", "Create a service group's branch (empty) over a frozen layer", [name, parent],
            (r, api, _) => api.Post("/branches", new Api.BranchRequest(r.GetValue(name)!, r.GetValue(parent)!)),
            branch => $"created {branch.Str("name")} over {branch.Str("parent")}");
    }
}
