using McpServerSample;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;

var builder = WebApplication.CreateBuilder(args);

// The authorization server's issuer, written as its discovery document writes it: MCP clients compare the two
// character for character (RFC 8414 §3.3), and OpenIddict's issuer ends with a slash.
var authority = new Uri(builder.Configuration["McpServer:Authority"]
    ?? throw new InvalidOperationException("Set McpServer:Authority to the authorization server's URL, for example http://127.0.0.1:5000/.")).AbsoluteUri;

// This server's own URL, the first of --urls (the sample is reached where it listens; behind a proxy this would be the
// public URL), and the path MapMcp serves. It is the RFC 8707 resource clients ask tokens for, and must be an allowed
// resource of the authorization server, character for character.
var listenUrl = builder.Configuration["urls"]?.Split(';')[0]
    ?? throw new InvalidOperationException("Set --urls to the URL this MCP server listens on, for example http://127.0.0.1:5100.");
var resource = $"{listenUrl.TrimEnd('/')}{SampleTools.Path}";

builder.Services.AddAuthentication(options =>
    {
        options.DefaultAuthenticateScheme = JwtBearerDefaults.AuthenticationScheme;
        // The MCP scheme answers 401s with WWW-Authenticate: Bearer resource_metadata="…" (RFC 9728 §5.1).
        options.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
    })
    .AddJwtBearer(options =>
    {
        options.Authority = authority;
        // Only tokens issued for this server: a token the authorization server issued for another resource is refused.
        options.Audience = resource;
        // RFC 9068 §4: access tokens only (typ at+jwt), never an ID token presented as one.
        options.TokenValidationParameters.ValidTypes = ["at+jwt"];
        // The authorization server's metadata and keys over plain http only from a loopback address, as the sample host
        // on 127.0.0.1 serves them; any other authority must be https.
        options.RequireHttpsMetadata = !new Uri(authority).IsLoopback;
        // Keep the token's claim names (sub, client_id) instead of mapping them to WS-* claim types.
        options.MapInboundClaims = false;
    })
    .AddMcp(options => options.ResourceMetadata = new ProtectedResourceMetadata
    {
        Resource = resource,
        AuthorizationServers = { authority },
        ResourceName = "Dcr.IdentityServerExtensions MCP server sample",
    });

builder.Services.AddAuthorization();

builder.Services.AddMcpServer()
    .WithHttpTransport()
    .WithTools<SampleTools>();

var app = builder.Build();

// Serves /.well-known/oauth-protected-resource/mcp (RFC 9728) through the MCP scheme, and authenticates bearer tokens.
app.UseAuthentication();
app.UseAuthorization();

app.MapMcp(SampleTools.Path).RequireAuthorization();

app.Run();

/// <summary>The MCP server sample's entry point, visible to the integration tests.</summary>
public partial class Program;
