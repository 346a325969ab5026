using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// Stores dynamically registered clients as OpenIddict applications, always through the application manager so that
/// OpenIddict's own validation, caching and secret handling apply. Permissions and requirements are derived from the
/// metadata, so a registered client can use exactly the endpoints, grants and scopes it registered for.
/// </summary>
public sealed class OpenIddictClientRegistrationStore : IClientRegistrationStore
{
    private readonly IOpenIddictApplicationManager _manager;
    private readonly IOpenIddictTokenManager _tokens;
    private readonly ILogger<OpenIddictClientRegistrationStore> _logger;

    // The applications this request's scope has read, by client id, with the version read: an update or delete of the
    // version read writes that entity back instead of loading and parsing it again. OpenIddict's concurrency token on
    // the entity still catches a change committed by another request in between.
    private readonly Dictionary<string, (object Application, string? Version)> _loaded = new(StringComparer.Ordinal);

    /// <summary>Creates the store.</summary>
    public OpenIddictClientRegistrationStore(IOpenIddictApplicationManager manager, IOpenIddictTokenManager tokens,
        ILogger<OpenIddictClientRegistrationStore> logger)
    {
        _manager = manager;
        _tokens = tokens;
        _logger = logger;
    }

    private IDynamicClientApplicationManager DynamicManager => _manager as IDynamicClientApplicationManager
        ?? throw new InvalidOperationException(
            $"The OpenIddict application manager is {_manager.GetType()}, which does not derive from DynamicClientApplicationManager<TApplication>. " +
            "Call .UseOpenIddict() after any other ReplaceApplicationManager(), or derive your manager from DynamicClientApplicationManager<TApplication>.");

    /// <inheritdoc />
    public ValueTask<StoreResult> CreateAsync(StoredClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return WriteAsync(async () =>
        {
            var version = NewVersion();
            var application = await DynamicManager.CreateAsync(ToDescriptor(client, version), client.ClientSecretHash, cancellationToken)
                .ConfigureAwait(false);
            return StoreResult.Success(Written(client, application, version));
        });
    }

    /// <inheritdoc />
    public async ValueTask<StoredClient?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var application = await _manager.FindByClientIdAsync(clientId, cancellationToken).ConfigureAwait(false);
        if (application is null)
        {
            return null;
        }

        var properties = await _manager.GetPropertiesAsync(application, cancellationToken).ConfigureAwait(false);
        if (!properties.TryGetValue(RegistrationDocument.PropertyName, out var document))
        {
            return null;
        }

        var secretHash = await DynamicManager.GetClientSecretHashAsync(application, cancellationToken).ConfigureAwait(false);
        var client = RegistrationDocument.Read(document, clientId, secretHash);
        _loaded[clientId] = (application, client.Version);
        return client;
    }

    /// <inheritdoc />
    public ValueTask<StoreResult> UpdateAsync(StoredClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return WriteAsync(async () =>
        {
            var application = await LoadAsync(client.ClientId, cancellationToken).ConfigureAwait(false);
            if (application is null)
            {
                return StoreResult.NotFound;
            }

            // The version check catches a change this scope has already seen; OpenIddict's concurrency token catches
            // a change committed by another request between our read and our write.
            if (!string.Equals(application.Value.Version, client.Version, StringComparison.Ordinal))
            {
                return StoreResult.Conflict;
            }

            // What was written is what is stored: the response is built from it without reading the entity back.
            var version = NewVersion();
            await DynamicManager.UpdateAsync(application.Value.Application, ToDescriptor(client, version), client.ClientSecretHash, cancellationToken)
                .ConfigureAwait(false);
            return StoreResult.Success(Written(client, application.Value.Application, version));
        });
    }

    /// <inheritdoc />
    public ValueTask<StoreResult> DeleteAsync(StoredClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return WriteAsync(async () =>
        {
            var loaded = await LoadAsync(client.ClientId, cancellationToken).ConfigureAwait(false);
            if (loaded is not { Application: var application })
            {
                return StoreResult.NotFound;
            }

            _loaded.Remove(client.ClientId);

            // OpenIddict's stores delete the application's tokens and authorizations with it, so tokens already
            // issued stop working wherever validation checks token entries.
            await _manager.DeleteAsync(application, cancellationToken).ConfigureAwait(false);
            return StoreResult.Success(client);
        });
    }

    /// <inheritdoc />
    public async ValueTask<bool> HasLiveRefreshTokenAsync(string clientId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var application = await _manager.FindByClientIdAsync(clientId, cancellationToken).ConfigureAwait(false);
        if (application is null || await _manager.GetIdAsync(application, cancellationToken).ConfigureAwait(false) is not { } id)
        {
            return false;
        }

        // Valid status only: a redeemed (rolled), revoked or rejected refresh token cannot bring the user back.
        await foreach (var token in _tokens.FindAsync(subject: null, client: id, status: Statuses.Valid, type: TokenTypeIdentifiers.RefreshToken,
            cancellationToken).ConfigureAwait(false))
        {
            if (await _tokens.GetExpirationDateAsync(token, cancellationToken).ConfigureAwait(false) is not { } expiresAt || expiresAt > now)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public async ValueTask<StoredClientBatch> ListAsync(string? afterClientId, int count, CancellationToken cancellationToken)
    {
        var applications = await DynamicManager.ListAfterAsync(afterClientId, count, cancellationToken).ConfigureAwait(false);
        var clients = new List<StoredClient>();
        string? last = null;
        foreach (var application in applications)
        {
            last = await _manager.GetClientIdAsync(application, cancellationToken).ConfigureAwait(false);
            var properties = await _manager.GetPropertiesAsync(application, cancellationToken).ConfigureAwait(false);
            if (last is not null && properties.TryGetValue(RegistrationDocument.PropertyName, out var document))
            {
                var secretHash = await DynamicManager.GetClientSecretHashAsync(application, cancellationToken).ConfigureAwait(false);
                clients.Add(RegistrationDocument.Read(document, last, secretHash));
            }
        }

        return new StoredClientBatch(clients, applications.Count < count ? null : last);
    }

    private async ValueTask<StoreResult> WriteAsync(Func<Task<StoreResult>> write)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            return StoreResult.Conflict;
        }
        catch (OpenIddictExceptions.ValidationException exception)
        {
            Log.ClientRejectedByHost(_logger, string.Join(" ", exception.Results.Select(result => result.ErrorMessage)));
            // OpenIddict's messages are for the operator; the client gets the product's own words.
            return StoreResult.Rejected();
        }
        catch (Exception exception) when (StoreFailures.IsUnreachable(exception))
        {
            Log.StoreUnavailable(_logger, exception);
            return StoreResult.Unavailable;
        }
    }

    // The application as this scope read it, or as the store holds it now when this scope has not read it yet.
    private async Task<(object Application, string? Version)?> LoadAsync(string clientId, CancellationToken cancellationToken)
    {
        if (_loaded.TryGetValue(clientId, out var loaded))
        {
            return loaded;
        }

        return await FindAsync(clientId, cancellationToken).ConfigureAwait(false) is not null ? _loaded[clientId] : null;
    }

    private StoredClient Written(StoredClient client, object application, string version)
    {
        _loaded[client.ClientId] = (application, version);
        return client with { Version = version };
    }

    private static string NewVersion() => Guid.NewGuid().ToString("N");

    /// <summary>Maps a client to the OpenIddict application that lets it do what its metadata says, and no more.</summary>
    internal static OpenIddictApplicationDescriptor ToDescriptor(StoredClient client) => ToDescriptor(client, NewVersion());

    private static OpenIddictApplicationDescriptor ToDescriptor(StoredClient client, string version)
    {
        var metadata = client.Metadata;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientType = metadata.IsPublicClient ? ClientTypes.Public : ClientTypes.Confidential,
            ApplicationType = metadata.ApplicationType == ClientMetadataValues.ApplicationTypeNative
                ? ApplicationTypes.Native
                : ApplicationTypes.Web,

            // A self-registered client is a third party: the user must be asked.
            ConsentType = ConsentTypes.Explicit,
            DisplayName = metadata.ClientName,
        };

        // Loopback redirect URIs are stored as registered; DynamicClientApplicationManager matches them on any port.
        foreach (var uri in metadata.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        foreach (var uri in metadata.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        var grantTypes = metadata.GrantTypes ?? [];
        if (grantTypes.Count > 0)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Token);
            descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        }

        if (grantTypes.Contains(GrantTypes.AuthorizationCode) || grantTypes.Contains(GrantTypes.Implicit))
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Authorization);
        }

        if (metadata.PostLogoutRedirectUris.Count > 0)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.EndSession);
        }

        foreach (var grantType in grantTypes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.GrantType + grantType);
        }

        foreach (var responseType in metadata.ResponseTypes ?? [])
        {
            descriptor.Permissions.Add(Permissions.Prefixes.ResponseType + responseType);
        }

        foreach (var scope in metadata.ScopeValues)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        // Public clients have no secret to bind the code to the client: PKCE does it (RFC 9700 §2.1.1).
        if (client.RequirePkce)
        {
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        // OpenIddict checks private_key_jwt assertions against the application's own key set.
        if (metadata.UsesPrivateKeyJwt && metadata.Jwks is { } jwks)
        {
            descriptor.JsonWebKeySet = new JsonWebKeySet(jwks.GetRawText());
        }

        descriptor.Properties[RegistrationDocument.PropertyName] = RegistrationDocument.Write(client, version);
        return descriptor;
    }
}
