using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.AdminUi;

/// <summary>The pages' addresses, under the host's path base; query values are escaped here, HTML encoding is the page's.</summary>
internal sealed class AdminUiLinks(PathString root, string? signOut = null)
{
    /// <summary>Where the "Sign out" button posts (<c>Admin:SignOutPath</c> under the path base); <see langword="null"/>: no button.</summary>
    public string? SignOut => signOut;

    public string StyleSheet => root + "/" + AdminUiPages.StyleSheetName;

    public string Clients(IEnumerable<KeyValuePair<string, string>>? parameters = null) => WithQuery(root + "/clients", parameters);

    public string ClientsAction => root + "/clients";

    public string Client(string clientId) => WithQuery(root + "/client", [new(AdminUiEndpoints.ClientIdField, clientId)]);

    public string DeleteClient => root + "/client/delete";

    public string DeleteMany(IEnumerable<KeyValuePair<string, string>>? parameters = null) => WithQuery(root + "/clients/delete", parameters);

    private static string WithQuery(string path, IEnumerable<KeyValuePair<string, string>>? parameters)
    {
        var query = QueryString.Create(parameters?.Select(parameter => new KeyValuePair<string, string?>(parameter.Key, parameter.Value)) ?? []);
        return path + query;
    }
}
