extern alias McpServerSample;

using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// The MCP server sample (samples/McpServerSample) on a real 127.0.0.1 socket, configured as its command line would
/// configure it (<c>--urls</c>, <c>--McpServer:Authority</c>), validating tokens on the given clock.
/// </summary>
public sealed class McpServerHost : WebApplicationFactory<McpServerSample::Program>
{
    private readonly Uri _authority;
    private readonly int _port;
    private readonly TimeProvider _clock;

    private McpServerHost(Uri authority, int port, TimeProvider clock)
    {
        _authority = authority;
        _port = port;
        _clock = clock;
    }

    /// <summary>The MCP endpoint: the URL a user gives an MCP client, and the resource its tokens are issued for.</summary>
    public Uri Url => new($"http://127.0.0.1:{_port}/mcp");

    /// <summary>Starts the MCP server on <paramref name="port"/> in front of the authorization server.</summary>
    public static McpServerHost Start(Uri authority, int port, TimeProvider clock)
    {
        var server = new McpServerHost(authority, port, clock);
        try
        {
            // The port comes from the urls setting, as the command line gives it. UseKestrel(port) would make the factory
            // rewrite the server's addresses after the host is built, racing the sample's own app.Run(), which may have
            // started the server by then ("Addresses cannot be modified after the server has started").
            server.UseKestrel();
            server.StartServer();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("urls", $"http://127.0.0.1:{_port}");
        builder.UseSetting("McpServer:Authority", _authority.AbsoluteUri);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");

        // JwtBearer checks a token's lifetime on the system clock (the clock of TokenValidationParameters is internal).
        // The test moves one clock for both servers, so lifetimes are checked on it here, with JwtBearer's rule and skew.
        builder.ConfigureTestServices(services => services.PostConfigure<JwtBearerOptions>(
            JwtBearerDefaults.AuthenticationScheme, options => options.TokenValidationParameters.LifetimeValidator =
                (notBefore, expires, _, parameters) =>
                {
                    var now = _clock.GetUtcNow().UtcDateTime;
                    return (notBefore is null || notBefore.Value <= now + parameters.ClockSkew)
                        && expires is not null && expires.Value >= now - parameters.ClockSkew;
                }));
    }
}
