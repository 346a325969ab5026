using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Network;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Secrets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// OpenIddict's application manager, extended for dynamically registered clients: their generated secrets are
/// stored and checked as SHA-256 hashes (PBKDF2 secrets of other clients are checked as before), an expired secret
/// fails, and a retained previous secret keeps working until its retention period has passed.
/// </summary>
/// <typeparam name="TApplication">The application entity type.</typeparam>
public class DynamicClientApplicationManager<TApplication> : OpenIddictApplicationManager<TApplication>, IDynamicClientApplicationManager
    where TApplication : class
{
    private readonly TimeProvider _timeProvider;
    private readonly ClientRegistrationAudit _audit;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _registrationOptions;
    private readonly RemoteJsonWebKeySets _remoteKeySets;

    /// <summary>Creates the manager.</summary>
    public DynamicClientApplicationManager(
        IOpenIddictApplicationCache<TApplication> cache,
        ILogger<OpenIddictApplicationManager<TApplication>> logger,
        IOptionsMonitor<OpenIddictCoreOptions> options,
        IOpenIddictApplicationStore<TApplication> store,
        TimeProvider timeProvider,
        ClientRegistrationAudit audit,
        IOptionsMonitor<DynamicClientRegistrationOptions> registrationOptions,
        RemoteJsonWebKeySets remoteKeySets)
        : base(cache, logger, options, store)
    {
        _timeProvider = timeProvider;
        _audit = audit;
        _registrationOptions = registrationOptions;
        _remoteKeySets = remoteKeySets;
    }

    /// <summary>
    /// For dynamically registered clients, a resource permission (<c>rsrc:</c>) is whatever
    /// <c>DynamicClientRegistration:Resources:Allowed</c> says now, so changing that list applies to every such client
    /// at once instead of only to clients registered after the change.
    /// </summary>
    public override async ValueTask<bool> HasPermissionAsync(TApplication application, string permission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permission);
        if (permission.StartsWith(OpenIddictConstants.Permissions.Prefixes.Resource, StringComparison.Ordinal)
            && await IsDynamicallyRegisteredAsync(application, cancellationToken).ConfigureAwait(false))
        {
            return _registrationOptions.CurrentValue.Resources.Allowed
                .Contains(permission[OpenIddictConstants.Permissions.Prefixes.Resource.Length..], StringComparer.Ordinal);
        }

        return await base.HasPermissionAsync(application, permission, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 8252 §7.3: for a dynamically registered client, an http loopback redirect URI matches whatever port the
    /// request carries, for <c>localhost</c> as for IP literals, whether it was registered with a port or without one.
    /// Scheme, host, path and query must still match exactly. OpenIddict's own rule covers only native applications
    /// registered without a port, and MCP hosts register as web clients with the port they happened to listen on.
    /// </summary>
    public override async ValueTask<bool> ValidateRedirectUriAsync(TApplication application, string uri, CancellationToken cancellationToken = default)
    {
        // Checked before OpenIddict's own rule, which logs every URI it does not match as a refusal.
        if (IsHttpLoopback(uri, out var requested) && await IsDynamicallyRegisteredAsync(application, cancellationToken).ConfigureAwait(false))
        {
            foreach (var candidate in await GetRedirectUrisAsync(application, cancellationToken).ConfigureAwait(false))
            {
                if (IsHttpLoopback(candidate, out var registered)
                    && string.Equals(registered.Host, requested.Host, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(registered.AbsolutePath, requested.AbsolutePath, StringComparison.Ordinal)
                    && string.Equals(registered.Query, requested.Query, StringComparison.Ordinal)
                    && registered.UserInfo.Length == 0 && requested.UserInfo.Length == 0 && requested.Fragment.Length == 0)
                {
                    return true;
                }
            }
        }

        return await base.ValidateRedirectUriAsync(application, uri, cancellationToken).ConfigureAwait(false);

        static bool IsHttpLoopback(string value, out Uri parsed) =>
            Uri.TryCreate(value, UriKind.Absolute, out parsed!) && parsed.Scheme == Uri.UriSchemeHttp && parsed.IsLoopback;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A dynamically registered <c>private_key_jwt</c> client with a <c>jwks_uri</c> has no key set stored: it is
    /// fetched from there (cached) whenever OpenIddict asks for it.
    /// </remarks>
    public override ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(TApplication application, CancellationToken cancellationToken = default) =>
        GetJsonWebKeySetAsync(application, keyId: null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// OpenIddict requires a confidential application to hold a secret or a key set; a <c>private_key_jwt</c> client
    /// with a <c>jwks_uri</c> holds neither until it authenticates, so that one requirement is waived for it.
    /// </remarks>
    public override async IAsyncEnumerable<ValidationResult> ValidateAsync(
        TApplication application, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var properties = await GetPropertiesAsync(application, cancellationToken).ConfigureAwait(false);
        var keysAtUri = properties.TryGetValue(RegistrationDocument.PropertyName, out var document)
            && RegistrationDocument.ReadAssertionKeySetUri(document) is not null;

        // OpenIddict's results carry no code, only its own message; the message of ID2113 is how that one is told apart.
        var secretOrKeysRequired = OpenIddictResources.GetResourceString(OpenIddictResources.ID2113);
        await foreach (var result in base.ValidateAsync(application, cancellationToken).ConfigureAwait(false))
        {
            if (!(keysAtUri && string.Equals(result.ErrorMessage, secretOrKeysRequired, StringComparison.Ordinal)))
            {
                yield return result;
            }
        }
    }

    ValueTask<JsonWebKeySet?> IDynamicClientApplicationManager.GetJsonWebKeySetAsync(object application, string? keyId, CancellationToken cancellationToken) =>
        GetJsonWebKeySetAsync((TApplication)application, keyId, cancellationToken);

    private async ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(TApplication application, string? keyId, CancellationToken cancellationToken)
    {
        var properties = await GetPropertiesAsync(application, cancellationToken).ConfigureAwait(false);
        return properties.TryGetValue(RegistrationDocument.PropertyName, out var document)
            && RegistrationDocument.ReadAssertionKeySetUri(document) is { } uri
            ? await _remoteKeySets.GetAsync(uri, keyId, cancellationToken).ConfigureAwait(false)
            : await base.GetJsonWebKeySetAsync(application, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async ValueTask<bool> ValidateClientSecretAsync(
        TApplication application, string secret, CancellationToken cancellationToken = default)
    {
        var properties = await GetPropertiesAsync(application, cancellationToken).ConfigureAwait(false);
        if (!properties.TryGetValue(RegistrationDocument.PropertyName, out var document))
        {
            return await base.ValidateClientSecretAsync(application, secret, cancellationToken).ConfigureAwait(false);
        }

        var (secretExpiresAt, retained) = RegistrationDocument.ReadSecretState(document);
        var now = _timeProvider.GetUtcNow();
        if (await base.ValidateClientSecretAsync(application, secret, cancellationToken).ConfigureAwait(false))
        {
            return secretExpiresAt is not { } expiresAt || now < expiresAt;
        }

        if (retained is not null && now < retained.ExpiresAt && RegistrationSecrets.Verify(secret, retained.Hash))
        {
            var clientId = await GetClientIdAsync(application, cancellationToken).ConfigureAwait(false);
            await _audit.SucceededAsync(ClientRegistrationAction.UseRetainedClientSecret, clientId, clientId, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    private ValueTask<bool> IsDynamicallyRegisteredAsync(TApplication application, CancellationToken cancellationToken) =>
        RegistrationDocument.IsDynamicClientAsync(this, application, cancellationToken);

    /// <inheritdoc />
    protected override ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default) =>
        RegistrationSecrets.IsHash(comparand)
            ? new(RegistrationSecrets.Verify(secret, comparand))
            : base.ValidateClientSecretAsync(secret, comparand, cancellationToken);

    // The secret this product hands over is already a hash (RegistrationSecrets.Hash): it is set on the entity as
    // it is, never passed where OpenIddict would obfuscate it again with PBKDF2. OpenIddict's CreateAsync overloads
    // refuse an entity that already holds a secret, so creation validates and stores the entity itself, as they do.
    async ValueTask<object> IDynamicClientApplicationManager.CreateAsync(
        OpenIddictApplicationDescriptor descriptor, string? secretHash, CancellationToken cancellationToken)
    {
        var application = await Store.InstantiateAsync(cancellationToken).ConfigureAwait(false);
        descriptor.ClientSecret = secretHash;
        await PopulateAsync(application, descriptor, cancellationToken).ConfigureAwait(false);

        var failures = new List<ValidationResult>();
        await foreach (var result in ValidateAsync(application, cancellationToken).ConfigureAwait(false))
        {
            if (result != ValidationResult.Success)
            {
                failures.Add(result);
            }
        }

        if (failures.Count > 0)
        {
            throw new OpenIddictExceptions.ValidationException(
                "The application is not valid: " + string.Join(" ", failures.Select(failure => failure.ErrorMessage)), [.. failures]);
        }

        await Store.CreateAsync(application, cancellationToken).ConfigureAwait(false);
        if (!Options.CurrentValue.DisableEntityCaching)
        {
            await Cache.AddAsync(application, cancellationToken).ConfigureAwait(false);
        }

        return application;
    }

    // UpdateAsync(application) validates and stores the entity as populated, without touching its secret.
    async ValueTask IDynamicClientApplicationManager.UpdateAsync(
        object application, OpenIddictApplicationDescriptor descriptor, string? secretHash, CancellationToken cancellationToken)
    {
        descriptor.ClientSecret = secretHash;
        await PopulateAsync((TApplication)application, descriptor, cancellationToken).ConfigureAwait(false);
        await UpdateAsync((TApplication)application, cancellationToken).ConfigureAwait(false);
    }

    ValueTask<string?> IDynamicClientApplicationManager.GetClientSecretHashAsync(object application, CancellationToken cancellationToken) =>
        Store.GetClientSecretAsync((TApplication)application, cancellationToken);

    // A walk in client id order, a batch at a time, for the one-time backfill of the catalog. OpenIddict's own
    // ListAsync(count, offset) pages by offset, which skips applications when others are deleted meanwhile; a keyset on
    // the ClientId column does not. Every OpenIddict store's application model has that column.
    async ValueTask<IReadOnlyList<object>> IDynamicClientApplicationManager.ListAfterAsync(string? afterClientId, int count, CancellationToken cancellationToken)
    {
        var property = typeof(TApplication).GetProperty("ClientId");
        if (property?.PropertyType != typeof(string))
        {
            throw new NotSupportedException(
                $"Walking the applications needs an application entity with a 'ClientId' string property; {typeof(TApplication)} has none. " +
                "Override ListAfterAsync in a manager derived from DynamicClientApplicationManager<TApplication>.");
        }

        var application = Expression.Parameter(typeof(TApplication), "application");
        var clientId = Expression.Property(application, property);
        Expression predicate = Expression.NotEqual(clientId, Expression.Constant(null, typeof(string)));
        if (afterClientId is not null)
        {
            // Through a closure, so the provider sends the value as a parameter.
            Expression<Func<string>> after = () => afterClientId;
            predicate = Expression.AndAlso(predicate, Expression.GreaterThan(
                Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, clientId, after.Body),
                Expression.Constant(0)));
        }

        var where = Expression.Lambda<Func<TApplication, bool>>(predicate, application);
        var order = Expression.Lambda<Func<TApplication, string>>(clientId, application);
        var applications = new List<object>();
        await foreach (var found in ListAsync(query => query.Where(where).OrderBy(order).Take(count), cancellationToken).ConfigureAwait(false))
        {
            applications.Add(found);
        }

        return applications;
    }
}

/// <summary>
/// The operations <see cref="OpenIddictClientRegistrationStore"/> needs beyond <see cref="IOpenIddictApplicationManager"/>:
/// writing a secret hash computed by this product, and reading the stored hash back.
/// </summary>
public interface IDynamicClientApplicationManager
{
    /// <summary>Creates an application whose client secret is the given precomputed hash.</summary>
    ValueTask<object> CreateAsync(OpenIddictApplicationDescriptor descriptor, string? secretHash, CancellationToken cancellationToken);

    /// <summary>Updates an application; its client secret becomes the given precomputed hash (or none).</summary>
    ValueTask UpdateAsync(object application, OpenIddictApplicationDescriptor descriptor, string? secretHash, CancellationToken cancellationToken);

    /// <summary>Reads the stored client secret hash.</summary>
    ValueTask<string?> GetClientSecretHashAsync(object application, CancellationToken cancellationToken);

    /// <summary>
    /// At most <paramref name="count"/> applications (of any kind) in client id order after <paramref name="afterClientId"/>.
    /// </summary>
    ValueTask<IReadOnlyList<object>> ListAfterAsync(string? afterClientId, int count, CancellationToken cancellationToken);

    /// <summary>
    /// The application's key set, as <see cref="IOpenIddictApplicationManager.GetJsonWebKeySetAsync"/> returns it,
    /// except that a set fetched from a <c>jwks_uri</c> is fetched again (at most every 30 seconds) when it has no
    /// key <paramref name="keyId"/>: the client has rotated its keys.
    /// </summary>
    ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(object application, string? keyId, CancellationToken cancellationToken);
}
