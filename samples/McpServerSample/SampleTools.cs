using System.ComponentModel;
using System.Security.Claims;
using ModelContextProtocol.Server;

namespace McpServerSample;

/// <summary>The sample's tools. Every call carries a validated access token; the caller is the token's principal.</summary>
[McpServerToolType]
public sealed class SampleTools
{
    /// <summary>The path the MCP endpoint is mapped to.</summary>
    public const string Path = "/mcp";

    [McpServerTool(Name = "whoami", ReadOnly = true), Description("Who the access token was issued to: the user (sub) and the client (client_id).")]
    public static string WhoAmI(ClaimsPrincipal user) =>
        $"sub={user.FindFirst("sub")?.Value} client_id={user.FindFirst("client_id")?.Value}";

    [McpServerTool(Name = "echo", ReadOnly = true), Description("Echoes the message back.")]
    public static string Echo([Description("The message to echo.")] string message) => message;
}
