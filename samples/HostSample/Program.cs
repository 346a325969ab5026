using System.Security.Claims;
using Dcr.IdentityServerExtensions.Services;
using HostSample;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

var builder = WebApplication.CreateBuilder(args);

var settings = builder.Configuration.GetSection("Sample").Get<SampleOptions>() ?? new SampleOptions();

// Sample:WarmUpSeconds (default 0, off): a scratch instance of this same application is driven for that long before
// this one is built, so that it starts with its hot paths compiled (SampleWarmUp). Off in the integration tests, whose
// factory takes over the first host the process builds.
Action<ILogger>? warmUpReport = null;
if (settings.WarmUpSeconds > 0)
{
    warmUpReport = await SampleWarmUp.RunAsync(args, settings, TimeSpan.FromSeconds(settings.WarmUpSeconds), BuildSampleAsync);
}

var app = await BuildSampleAsync(builder);
warmUpReport?.Invoke(app.Logger);
app.Run();

// The whole application, for this instance and for the warm-up's scratch instance alike.
static async Task<WebApplication> BuildSampleAsync(WebApplicationBuilder builder)
{
    var sample = builder.Configuration.GetSection("Sample").Get<SampleOptions>() ?? new SampleOptions();
    builder.Services.AddOptions<SampleOptions>().Bind(builder.Configuration.GetSection("Sample"))
        .Validate(options => options.MemoryCacheEntries >= 1, "Sample:MemoryCacheEntries must be at least 1 (the default is 10000).")
        .Validate(options => options.WarmUpSeconds >= 0, "Sample:WarmUpSeconds must be 0 (no warm-up, the default) or a number of seconds.")
        .Validate(options => string.IsNullOrEmpty(options.AdminPassword) || options.AdminPassword.Length >= SampleAdminLogin.MinPasswordLength,
            $"Sample:AdminPassword must have at least {SampleAdminLogin.MinPasswordLength} characters (or be left unset, which turns the admin pages off).")
        .Validate(options => !string.IsNullOrEmpty(options.AdminUser), "Sample:AdminUser must not be empty (the default is 'admin').")
        .ValidateOnStart();

    // Database:Provider = Sqlite (default) | PostgreSql | SqlServer, with ConnectionStrings:Dcr.
    builder.Services.AddSampleDatabase(builder.Configuration, builder.Environment.ContentRootPath);

    // The API's resource identifier must be stable (tokens name it in 'aud'), so it comes from configuration, not requests.
    var apiResource = string.IsNullOrEmpty(sample.ApiResource)
        ? (builder.Configuration["urls"] ?? "http://127.0.0.1:5000").Split(';')[0].TrimEnd('/') + "/api"
        : sample.ApiResource;

    var (signingKey, encryptionKey) = SampleKeys.LoadOrCreate(Path.Combine(builder.Environment.ContentRootPath, sample.KeysPath));

    builder.Services.AddOpenIddict()
        .AddCore(options =>
        {
            options.UseEntityFrameworkCore().UseDbContext<SampleDbContext>();

            // The client lookup of every request as a compiled query (bench/README.md).
            options.ReplaceApplicationStore<OpenIddictEntityFrameworkCoreApplication, SampleApplicationStore>(ServiceLifetime.Scoped);
        })
        .AddServer(options =>
        {
            if (sample.Issuer is { } issuer)
            {
                options.SetIssuer(issuer);
            }

            options.SetTokenEndpointUris("connect/token")
                   .SetAuthorizationEndpointUris("connect/authorize")
                   .SetRevocationEndpointUris("connect/revoke");

            options.AllowClientCredentialsFlow()
                   .AllowAuthorizationCodeFlow()
                   .AllowRefreshTokenFlow();

            // "dcr": initial access tokens; "dcr:admin": the admin API. Neither is ever granted to a registered client.
            options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, "api", "dcr", "dcr:admin");

            // OAuth 2.1 and the MCP specification allow S256 only: 'plain' is neither advertised nor accepted.
            options.Configure(options => options.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

            options.AddSigningKey(signingKey)
                   .AddEncryptionKey(encryptionKey);

            // The fast path of the token endpoint (bench/README.md): no row per access token, no encryption.
            if (!sample.StoreAccessTokens)
            {
                options.SkipAccessTokenStorage();
            }

            if (!sample.EncryptAccessTokens)
            {
                options.DisableAccessTokenEncryption();
            }

            options.UseAspNetCore()
                   .EnableTokenEndpointPassthrough()
                   .EnableAuthorizationEndpointPassthrough()
                   // SAMPLE ONLY: plain http on 127.0.0.1 for trials. Production serves https.
                   .DisableTransportSecurityRequirement();
        })
        .AddValidation(options =>
        {
            options.UseLocalServer();
            options.UseAspNetCore();

            // Tokens that have a database entry (authorization codes, refresh tokens, and access tokens with
            // Sample:StoreAccessTokens) are checked against it; RejectTokensOfDeletedClients() below makes validation also
            // refuse any access token whose client was deleted, with or without an entry.
            options.EnableTokenEntryValidation();
            options.EnableAuthorizationEntryValidation();
        });

    // Dynamically registered clients may ask for this host's own API as an RFC 8707 resource, besides any configured ones.
    // The two opt-ins change the host beyond registration: every validated access token's client is checked (a deleted
    // client's tokens stop at once), and OpenIddict's dispatchers never log at Trace, where they write whole tokens.
    builder.Services.AddDynamicClientRegistration(options => options.Resources.Allowed.Add(apiResource))
        .UseOpenIddict(openIddict => openIddict.RejectTokensOfDeletedClients().KeepTokensOutOfLogs())
        .UseEntityFrameworkCore<SampleDbContext>(); // the catalog, in OpenIddict's own context: one transaction for both

    // OpenIddict's server events dispatched to the handlers of each event type, looked up once (bench/README.md).
    builder.Services.Replace(ServiceDescriptor.Scoped<IOpenIddictServerDispatcher, IndexedServerDispatcher>());

    // After AddOpenIddict(), whose AddMemoryCache() registered the unbounded default.
    builder.Services.Replace(ServiceDescriptor.Singleton<IMemoryCache, BoundedMemoryCache>());

    builder.Services.AddAuthorization();
    // The administrator's cookie sign-in and the admin pages' authorization policy (SAMPLE ONLY: one configured user).
    builder.Services.AddSampleAdminLogin();
    builder.Services.AddSampleRateLimiting(builder.Configuration);
    builder.Services.AddSampleTelemetry(builder.Configuration);

    var app = builder.Build();

    // Applies the migrations (Database:Migrate, default true) and seeds the administrative client.
    await SampleDatabase.InitializeAsync(app.Services, app.Configuration, sample);

    app.UseAuthentication();
    app.UseAuthorization();
    app.UseRateLimiter();

    app.MapDynamicClientRegistration().RequireRateLimiting(SampleRateLimiting.PolicyName);

    // The operators' admin API (/admin/dcr/clients...), for access tokens with the 'dcr:admin' scope, which the seeded
    // administrative client may obtain.
    app.MapDynamicClientRegistrationAdmin();

    // The operators' admin pages, for the administrator of Sample:AdminUser / Sample:AdminPassword; with no password set,
    // neither the pages nor their sign-in form exist.
    if (!string.IsNullOrEmpty(sample.AdminPassword))
    {
        app.MapSampleAdminLogin(sample);
        app.MapDynamicClientRegistrationAdminUi(SampleAdminLogin.PolicyName);
    }
    else
    {
        SampleAdminLogin.AdminPagesOff(app.Logger, SampleAdminLogin.MinPasswordLength);
    }

    // A protected API, as a resource server of this host would have: it accepts the host's access tokens through
    // OpenIddict validation, so it shows when a token stops working (for example after its client was deleted). A token
    // issued for another resource (its 'aud' names something else) is refused; one without any audience, as the host's
    // client_credentials tokens without a 'resource' parameter are, is accepted.
    app.MapGet("/api/whoami", (ClaimsPrincipal user) => Results.Json(new Dictionary<string, string?>
    {
        ["sub"] = user.FindFirst(Claims.Subject)?.Value,
        ["client_id"] = user.FindFirst(Claims.ClientId)?.Value,
    }))
    .RequireAuthorization(policy => policy
        .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
        .RequireAuthenticatedUser()
        .RequireAssertion(context => context.User.GetAudiences() is { IsEmpty: false } audiences ? audiences.Contains(apiResource) : true));

    // RFC 9728 protected resource metadata of the API, at the path the RFC derives from its resource identifier.
    app.MapGet("/.well-known/oauth-protected-resource" + new Uri(apiResource).AbsolutePath.TrimEnd('/'), (HttpContext context, IAuthorizationServerIssuer issuer) => Results.Json(new Dictionary<string, object>
    {
        ["resource"] = apiResource,
        ["authorization_servers"] = (string[])[issuer.GetIssuer(context).AbsoluteUri],
        ["scopes_supported"] = (string[])["api"],
        ["bearer_methods_supported"] = (string[])["header"],
    }));

    app.MapPost("/connect/token", async (HttpContext context) =>
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has already authenticated the client and checked its grant type and scope permissions.
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId);
            identity.SetScopes(request.GetScopes());

            // OpenIddict has checked the resources against the server's list and the client's permissions; they become 'aud'.
            identity.SetResources(request.GetResources());
            identity.SetDestinations(static _ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var identity = new ClaimsIdentity(result.Principal!.Claims, TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

            // RFC 8707 §2.2: the token request may narrow the resources of the grant, never widen them. Without a
            // 'resource' parameter the new access token keeps the grant's resources (also on every refresh).
            var requested = request.GetResources();
            if (!requested.IsEmpty)
            {
                if (requested.Except(result.Principal.GetResources(), StringComparer.Ordinal).Any())
                {
                    return Results.Forbid(
                        new AuthenticationProperties(new Dictionary<string, string?>
                        {
                            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidTarget,
                            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The requested resource was not granted by the authorization.",
                        }),
                        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
                }

                identity.SetResources(requested);
            }

            identity.SetDestinations(SampleUser.Destinations);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.UnsupportedGrantType,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    });

    // SAMPLE ONLY: approves every authorization request as a fixed test user, without a login page or consent screen.
    // A real server authenticates the user and asks for consent (dynamically registered clients are third parties).
    app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], (HttpContext context) =>
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, SampleUser.Subject)
                .SetClaim(Claims.Name, SampleUser.Name);
        identity.SetScopes(request.GetScopes());

        // OpenIddict has checked the resources (RFC 8707) against the server's list and the client's permissions.
        identity.SetResources(request.GetResources());
        identity.SetDestinations(SampleUser.Destinations);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    });

    return app;
}

/// <summary>The sample host's entry point, visible to the integration tests.</summary>
public partial class Program;
