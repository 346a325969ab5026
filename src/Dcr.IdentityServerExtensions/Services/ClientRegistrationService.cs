using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Policies;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Secrets;
using Dcr.IdentityServerExtensions.Stores;
using Dcr.IdentityServerExtensions.Validation;
using Microsoft.Extensions.Options;
using Errors = Dcr.IdentityServerExtensions.Protocol.RegistrationErrorDescriptions;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Registers, reads, updates and deletes dynamically registered clients: validates, generates secrets and
/// registration access tokens, rotates and retains them as configured, writes through the store, and builds every
/// response from what the store returned.
/// </summary>
internal sealed class ClientRegistrationService
{
    private readonly IClientRegistrationStore _store;
    private readonly ClientRegistry _registry;
    private readonly ClientMetadataValidator _validator;
    private readonly ClientRegistrationPolicyPipeline _policies;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ClientRegistrationAudit _audit;

    /// <summary>Creates the service.</summary>
    public ClientRegistrationService(
        ClientRegistry registry,
        ClientMetadataValidator validator,
        ClientRegistrationPolicyPipeline policies,
        IOptionsMonitor<DynamicClientRegistrationOptions> options,
        TimeProvider timeProvider,
        ClientRegistrationAudit audit)
    {
        _registry = registry;
        _store = registry.Store;
        _validator = validator;
        _policies = policies;
        _options = options;
        _timeProvider = timeProvider;
        _audit = audit;
    }

    /// <summary>Registers a new client (RFC 7591 §3.1).</summary>
    /// <param name="request">The request body as read.</param>
    /// <param name="caller">The initial access token's caller, or anonymous.</param>
    /// <param name="registrationEndpoint">The absolute registration endpoint URI, used for <c>registration_client_uri</c>.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    public async Task<RegistrationResult<ClientInformationResponse>> RegisterAsync(
        ClientRegistrationRequest request, RegistrationCaller caller, Uri registrationEndpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var options = _options.CurrentValue;

        var validated = await ValidateAsync(request, caller, ClientRegistrationOperation.Create, existing: null, cancellationToken).ConfigureAwait(false);
        if (!validated.Succeeded)
        {
            return validated.Error;
        }

        var now = _timeProvider.GetUtcNow();
        var metadata = validated.Value;
        var clientSecret = metadata.UsesClientSecret ? RegistrationSecrets.CreateSecret() : null;
        var registrationAccessToken = options.Management.Enabled ? RegistrationSecrets.CreateSecret() : null;

        var client = new StoredClient
        {
            ClientId = RegistrationSecrets.CreateClientId(),
            Metadata = metadata,
            ClientIdIssuedAt = TruncateToSeconds(now),
            ClientSecretHash = clientSecret is null ? null : RegistrationSecrets.Hash(clientSecret),
            ClientSecretExpiresAt = clientSecret is null ? null : SecretExpiry(now, options),
            RegistrationAccessTokenHash = registrationAccessToken is null ? null : RegistrationSecrets.Hash(registrationAccessToken),
            RequirePkce = RequiresPkce(metadata, options),
            CreatedBy = caller.CallerId,
            CallerClaims = caller.RetainedClaims(),
            RegisteredAnonymously = caller.Principal is null,
        };

        var written = await _registry.CreateAsync(client, caller.InitialAccessTokenId, cancellationToken).ConfigureAwait(false);
        if (written.Refusal is { } refusal)
        {
            return refusal;
        }

        var stored = written.Result!;
        if (stored.Status != StoreStatus.Succeeded || stored.Client is not { } created)
        {
            return StoreError(stored);
        }

        return new ClientInformationResponse
        {
            Client = created,
            ClientSecret = clientSecret,
            RegistrationAccessToken = registrationAccessToken,
            RegistrationClientUri = options.Management.Enabled ? ClientUri(registrationEndpoint, created.ClientId) : null,
        };
    }

    /// <summary>
    /// Finds the client named in the path and checks the registration access token against its stored hash in
    /// constant time. Every failure (no token, wrong token, another client's token, no such client) is the same
    /// 401, so the answer never reveals whether a client exists. A client id this product could not have issued (see
    /// <see cref="RegistrationSecrets"/>) is answered as an unknown client without asking the store.
    /// </summary>
    public async Task<RegistrationResult<StoredClient>> AuthenticateAsync(
        string clientId, string? registrationAccessToken, CancellationToken cancellationToken)
    {
        var client = string.IsNullOrEmpty(registrationAccessToken) || !RegistrationSecrets.IsWellFormedClientId(clientId)
            ? null
            : await _store.FindAsync(clientId, cancellationToken).ConfigureAwait(false);

        // Hash and compare even when there is no client, so the time taken does not tell the two cases apart.
        if (!RegistrationSecrets.Verify(registrationAccessToken, client?.RegistrationAccessTokenHash ?? UnknownClientHash) || client is null)
        {
            return InvalidRegistrationToken;
        }

        return client;
    }

    /// <summary>Reads a client's registration (RFC 7592 §2.1), rotating its secret and token as configured.</summary>
    public async Task<RegistrationResult<ClientInformationResponse>> ReadAsync(
        StoredClient client, Uri registrationEndpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return await RotateAndStoreAsync(client, client.Metadata, registrationEndpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces a client's registration (RFC 7592 §2.2): a full replacement in which omitted members revert to their
    /// defaults, validated as a registration is.
    /// </summary>
    public async Task<RegistrationResult<ClientInformationResponse>> UpdateAsync(
        StoredClient client, ClientRegistrationRequest request, Uri registrationEndpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);

        if (request.ServerIssuedMembers.Count > 0)
        {
            return Errors.ServerIssuedMembersInUpdate(request.ServerIssuedMembers);
        }

        if (request.ClientId is null)
        {
            return Errors.ClientIdMissingInUpdate();
        }

        if (!string.Equals(request.ClientId, client.ClientId, StringComparison.Ordinal))
        {
            return Errors.ClientIdMismatchInUpdate();
        }

        if (request.ClientSecret is not null && !RegistrationSecrets.Verify(request.ClientSecret, client.ClientSecretHash))
        {
            return Errors.ClientSecretMismatchInUpdate();
        }

        // Policies decide an update on the caller that registered the client, as they decided the registration.
        var caller = RegistrationCaller.Registrant(client);
        var validated = await ValidateAsync(request, caller, ClientRegistrationOperation.Update, client, cancellationToken).ConfigureAwait(false);
        if (!validated.Succeeded)
        {
            return validated.Error;
        }

        return await RotateAndStoreAsync(client, validated.Value, registrationEndpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a client (RFC 7592 §2.3).</summary>
    public async Task<RegistrationResult<StoredClient>> DeleteAsync(StoredClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var deleted = await _registry.DeleteAsync(client, cancellationToken).ConfigureAwait(false);
        return deleted.Status switch
        {
            StoreStatus.Succeeded => client,

            // Deleted or changed by a concurrent request between authentication and now. A store reports a concurrent
            // delete as NotFound or, as OpenIddict's does, as a concurrency conflict it cannot tell apart from a change;
            // either way the token no longer proves anything about the client as it now is, and an unknown client is
            // an invalid token (RFC 7592 §2.3 as node-oidc-provider applies it). Under rotation a change spent the
            // token anyway; without it, a client whose token still works deletes on its retry.
            StoreStatus.NotFound or StoreStatus.Conflict => InvalidRegistrationToken,
            _ => StoreError(deleted),
        };
    }

    /// <summary>Validation, then the policies: the one path every registration and update takes to its stored metadata.</summary>
    private async Task<RegistrationResult<ClientMetadata>> ValidateAsync(ClientRegistrationRequest request, RegistrationCaller caller,
        ClientRegistrationOperation operation, StoredClient? existing, CancellationToken cancellationToken)
    {
        if (request.UnsupportedMembers.Count > 0)
        {
            return Errors.UnsupportedMembers(request.UnsupportedMembers);
        }

        var metadata = AnonymousRegistrationPolicy.IsAnonymous(operation, caller, existing)
            ? AnonymousRegistrationPolicy.PreferPublicClient(request.Metadata, _options.CurrentValue)
            : request.Metadata;
        var validated = _validator.Validate(metadata);
        if (!validated.Succeeded)
        {
            return validated;
        }

        return await _policies.ApplyAsync(new ClientRegistrationPolicyContext(validated.Value, caller, operation, existing), cancellationToken)
            .ConfigureAwait(false);
    }

    // A public client that redirects to http loopback is only accepted as one that uses PKCE (RFC 8252 §8.1), whatever
    // Policies:RequirePkceForPublicClients says: any local process can listen on a loopback port.
    internal static bool RequiresPkce(ClientMetadata metadata, DynamicClientRegistrationOptions options) =>
        metadata.IsPublicClient
            ? options.Policies.RequirePkceForPublicClients || metadata.RedirectUris.Any(IsHttpLoopback)
            : options.Policies.RequirePkceForConfidentialClients;

    private static bool IsHttpLoopback(string redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback;

    private async Task<RegistrationResult<ClientInformationResponse>> RotateAndStoreAsync(
        StoredClient client, ClientMetadata metadata, Uri registrationEndpoint, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var management = options.Management;
        var now = _timeProvider.GetUtcNow();

        // A client that turns confidential needs its first secret whatever the rotation setting says, and so does one
        // whose secret has expired (RFC 7591 §3.2.1: expiry is when the client asks for a new one); one that turns
        // public loses its secret, and with it any retained one. The token endpoint refuses a secret from its expiry
        // on, so it is renewed from that same instant.
        var secretExpired = client.ClientSecretExpiresAt is { } expiresAt && now >= expiresAt;
        var issueSecret = metadata.UsesClientSecret
            && (client.ClientSecretHash is null || secretExpired || management.RotateClientSecret);
        var clientSecret = issueSecret ? RegistrationSecrets.CreateSecret() : null;
        var registrationAccessToken = management.RotateRegistrationAccessToken ? RegistrationSecrets.CreateSecret() : null;

        var updated = client with
        {
            Metadata = metadata,
            ClientSecretHash = !metadata.UsesClientSecret ? null
                : clientSecret is not null ? RegistrationSecrets.Hash(clientSecret) : client.ClientSecretHash,
            ClientSecretExpiresAt = !metadata.UsesClientSecret ? null
                : clientSecret is not null ? SecretExpiry(now, options) : client.ClientSecretExpiresAt,
            RetainedClientSecret = !metadata.UsesClientSecret ? null
                : clientSecret is not null ? Retain(client, now, management) : client.RetainedClientSecret,
            RegistrationAccessTokenHash = registrationAccessToken is not null
                ? RegistrationSecrets.Hash(registrationAccessToken) : client.RegistrationAccessTokenHash,
            RequirePkce = RequiresPkce(metadata, options),
        };

        var stored = updated == client
            ? StoreResult.Success(client)
            : await _registry.UpdateAsync(client, updated, cancellationToken).ConfigureAwait(false);

        if (stored.Status == StoreStatus.Conflict && management.RotateRegistrationAccessToken)
        {
            // A concurrent request with the same token won and rotated it: this token is spent.
            return InvalidRegistrationToken;
        }

        if (stored.Status != StoreStatus.Succeeded)
        {
            return StoreError(stored);
        }

        if (clientSecret is not null && client.ClientSecretHash is not null)
        {
            await _audit.SucceededAsync(ClientRegistrationAction.RotateClientSecret, client.ClientId, client.ClientId, cancellationToken).ConfigureAwait(false);
        }

        if (registrationAccessToken is not null)
        {
            await _audit.SucceededAsync(ClientRegistrationAction.RotateRegistrationAccessToken, client.ClientId, client.ClientId, cancellationToken).ConfigureAwait(false);
        }

        return new ClientInformationResponse
        {
            Client = stored.Client!,
            ClientSecret = clientSecret,
            RegistrationAccessToken = registrationAccessToken,
            RegistrationClientUri = ClientUri(registrationEndpoint, client.ClientId),
        };
    }

    // A retained secret never outlives its own expiry: rotation must not revive a secret that had already expired.
    private static RetainedClientSecret? Retain(StoredClient client, DateTimeOffset now, DynamicClientManagementOptions management)
    {
        if (!management.RetainClientSecret || client.ClientSecretHash is null)
        {
            return null;
        }

        var until = now + management.ClientSecretRetentionPeriod;
        if (client.ClientSecretExpiresAt is { } expiresAt && expiresAt < until)
        {
            until = expiresAt;
        }

        return until > now ? new RetainedClientSecret(client.ClientSecretHash, until) : null;
    }

    private static DateTimeOffset? SecretExpiry(DateTimeOffset now, DynamicClientRegistrationOptions options) =>
        options.ClientSecretLifetime is { } lifetime && lifetime > TimeSpan.Zero
            ? TruncateToSeconds(now + lifetime)
            : null;

    // The wire carries whole seconds; storing the same value keeps "as stored" and "as answered" identical.
    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());

    private static Uri ClientUri(Uri registrationEndpoint, string clientId) =>
        new(registrationEndpoint.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(clientId));

    private static readonly string UnknownClientHash = RegistrationSecrets.Hash(RegistrationSecrets.CreateSecret());

    private static RegistrationError InvalidRegistrationToken { get; } = Errors.RegistrationAccessTokenInvalid();

    private static RegistrationError StoreError(StoreResult result) => result.Status switch
    {
        StoreStatus.Rejected => Errors.StoreRejected(result.Description),
        StoreStatus.Conflict => Errors.ConcurrentChange(),
        StoreStatus.NotFound => InvalidRegistrationToken,
        _ => Errors.StoreUnavailable(),
    };
}
