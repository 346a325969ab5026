using System.Text.Json;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Network;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Policies;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;
using Dcr.IdentityServerExtensions.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Errors = Dcr.IdentityServerExtensions.Protocol.RegistrationErrorDescriptions;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Clients identified by a Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document): a
/// <c>client_id</c> that is an https URL names the JSON document describing the client. The document is fetched through
/// the product's safe fetcher, validated as anonymous registration metadata is, and kept in the client store as a client
/// of source <see cref="ClientSources.MetadataDocument"/> until its HTTP freshness lifetime ends, so that every instance
/// sharing the store serves it alike. A host adapter calls <see cref="EnsureClientAsync(string, CancellationToken)"/> before the host looks the
/// client up at its authorization and token endpoints.
/// </summary>
public sealed class ClientIdMetadataDocuments
{
    // The outcome tag of a fetch that gave a valid document; refusals are tagged with their reason's name.
    private const string MetricOutcomeValid = "valid";

    /// <summary>
    /// The longest document URL accepted as a client id; longer ones are refused (DCR2801) before anything is fetched.
    /// The URL is the client's id in the host's client storage and in the catalog, where it must fit an indexed column
    /// on every engine: 400 characters are 800 bytes in SQL Server's <c>nvarchar</c>, under its 900-byte limit for a
    /// primary key. A host storing clients with OpenIddict's EF Core model must widen the application's <c>ClientId</c>
    /// column to this length (OpenIddict's own is 100 characters; the sample widens it).
    /// </summary>
    public const int MaxUrlLength = 400;

    private readonly IServiceScopeFactory _scopes;
    private readonly SafeHttpFetcher _fetcher;
    private readonly ClientMetadataValidator _validator;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly DynamicClientRegistrationMetrics _metrics;
    private readonly ILogger<ClientIdMetadataDocuments> _logger;

    internal ClientIdMetadataDocuments(
        IServiceScopeFactory scopes, SafeHttpFetcher fetcher, ClientMetadataValidator validator,
        IOptionsMonitor<DynamicClientRegistrationOptions> options, TimeProvider timeProvider,
        DynamicClientRegistrationMetrics metrics, ILogger<ClientIdMetadataDocuments> logger)
    {
        _scopes = scopes;
        _fetcher = fetcher;
        _validator = validator;
        _options = options;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Whether <paramref name="clientId"/> looks like a URL (it starts with <c>https://</c> or <c>http://</c>, in any
    /// case). Such a client id is either a valid document URL or refused; client ids this product generates never look
    /// like one.
    /// </summary>
    public static bool LooksLikeUrl(string? clientId) =>
        clientId is not null
        && (clientId.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || clientId.StartsWith("http://", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Makes sure the store holds the client described by the document at <paramref name="clientId"/>, fresh: a stored
    /// client within its freshness lifetime is used as it is; otherwise the document is fetched and validated, and the
    /// client created or replaced. A refusal leaves the store as it was, and nothing about it is remembered: the next
    /// request fetches again.
    /// </summary>
    /// <returns>
    /// <see cref="ClientIdMetadataDocumentOutcome.NotApplicable"/> when documents are off or the client id is not a URL
    /// (the host looks the client up as usual); <see cref="ClientIdMetadataDocumentOutcome.Ready"/> when the store holds
    /// the fresh client; <see cref="ClientIdMetadataDocumentOutcome.Refused"/> with the reason otherwise.
    /// </returns>
    public async ValueTask<ClientIdMetadataDocumentOutcome> EnsureClientAsync(string clientId, CancellationToken cancellationToken)
    {
        if (Precheck(clientId, out var uri, out var options) is { } decided)
        {
            return decided;
        }

        // A scope of its own, so that the request's own data context never tracks a version of the client older than
        // what is written here, and a failed insert does not linger in it.
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return await EnsureClientAsync(clientId, uri, options, scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether documents are on (<c>ClientIdMetadataDocuments:Enabled</c>, read anew on every call).</summary>
    internal bool Enabled => _options.CurrentValue.ClientIdMetadataDocuments.Enabled;

    /// <summary>
    /// As <see cref="EnsureClientAsync(string, CancellationToken)"/>, in a service scope of the caller's that is not a
    /// request's (for the same reason): a host adapter that has just looked the client up in it saves a second read.
    /// </summary>
    internal ValueTask<ClientIdMetadataDocumentOutcome> EnsureClientAsync(string clientId, IServiceProvider scopedServices, CancellationToken cancellationToken) =>
        Precheck(clientId, out var uri, out var options) is { } decided
            ? ValueTask.FromResult(decided)
            : EnsureClientAsync(clientId, uri, options, scopedServices, cancellationToken);

    // What is decided without the store: documents off, not a URL, a URL refused by its form or its host.
    private ClientIdMetadataDocumentOutcome? Precheck(string clientId, out Uri uri, out DynamicClientRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        options = _options.CurrentValue;
        uri = null!;
        var documents = options.ClientIdMetadataDocuments;
        if (!documents.Enabled || !LooksLikeUrl(clientId))
        {
            return ClientIdMetadataDocumentOutcome.NotApplicable.Instance;
        }

        if (CheckUrl(clientId, out uri) is { } problem)
        {
            return Refuse(null, ClientIdMetadataDocumentRefusal.InvalidUrl, problem);
        }

        return IsHostAllowed(uri, documents.AllowedHosts) ? null : Refuse(uri, ClientIdMetadataDocumentRefusal.HostNotAllowed, null);
    }

    private async ValueTask<ClientIdMetadataDocumentOutcome> EnsureClientAsync(
        string clientId, Uri uri, DynamicClientRegistrationOptions options, IServiceProvider services, CancellationToken cancellationToken)
    {
        var documents = options.ClientIdMetadataDocuments;
        var store = services.GetRequiredService<IClientRegistrationStore>();
        var existing = await store.FindAsync(clientId, cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        if (existing is not null && existing.Source != ClientSources.MetadataDocument)
        {
            return ClientIdMetadataDocumentOutcome.NotApplicable.Instance;
        }

        if (existing?.MetadataDocumentFreshUntil is { } freshUntil && now < freshUntil)
        {
            Log.MetadataDocumentCacheHit(_logger, uri.Host, uri.AbsolutePath, freshUntil);
            _metrics.RecordMetadataDocumentCacheHit();
            return ClientIdMetadataDocumentOutcome.Ready.Instance;
        }

        var document = await FetchAndValidateAsync(uri, clientId, documents, services, cancellationToken).ConfigureAwait(false);
        if (document.Refusal is { } refusal)
        {
            return Refuse(uri, refusal, document.Detail);
        }

        now = _timeProvider.GetUtcNow();
        var client = new StoredClient
        {
            ClientId = clientId,
            Metadata = document.Metadata!,
            ClientIdIssuedAt = existing?.ClientIdIssuedAt ?? DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()),
            RequirePkce = ClientRegistrationService.RequiresPkce(document.Metadata!, options),
            RegisteredAnonymously = true,
            Source = ClientSources.MetadataDocument,
            MetadataDocumentFreshUntil = now + document.Lifetime,
            Version = existing?.Version,
        };

        var registry = services.GetRequiredService<ClientRegistry>();
        var stored = existing is null
            ? (await registry.CreateAsync(client, initialAccessTokenId: null, cancellationToken).ConfigureAwait(false)).Result!
            : await registry.UpdateAsync(existing, client, cancellationToken).ConfigureAwait(false);
        Log.MetadataDocumentFetched(_logger, uri.Host, uri.AbsolutePath, document.Lifetime, existing is null);
        _metrics.RecordMetadataDocumentFetch(MetricOutcomeValid);
        if (stored.Status == StoreStatus.Succeeded)
        {
            return ClientIdMetadataDocumentOutcome.Ready.Instance;
        }

        if (stored.Status == StoreStatus.Rejected && existing is not null)
        {
            return Refuse(uri, ClientIdMetadataDocumentRefusal.InvalidMetadata, Errors.StoreRejected(stored.Description).Description);
        }

        // Another request, here or on another instance sharing the store, may have written the client first: the host
        // refuses a second client with the same client_id (OpenIddict as invalid, the database's unique index as a
        // failed write), and an update whose version no longer matches is a conflict. It wrote the same document, fetched
        // moments ago; if the client is there, it is used.
        var retry = _scopes.CreateAsyncScope();
        await using (retry.ConfigureAwait(false))
        {
            var current = await retry.ServiceProvider.GetRequiredService<IClientRegistrationStore>().FindAsync(clientId, cancellationToken).ConfigureAwait(false);
            return current is { Source: ClientSources.MetadataDocument } ? ClientIdMetadataDocumentOutcome.Ready.Instance
                : stored.Status == StoreStatus.Rejected ? Refuse(uri, ClientIdMetadataDocumentRefusal.InvalidMetadata, Errors.StoreRejected(stored.Description).Description)
                : Refuse(uri, ClientIdMetadataDocumentRefusal.StoreUnavailable, null);
        }
    }

    private async Task<ValidatedDocument> FetchAndValidateAsync(Uri uri, string clientId, ClientIdMetadataDocumentOptions documents,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        var fetched = await _fetcher.FetchAsync(uri, documents.MaxDocumentBytes, documents.FetchTimeout, cancellationToken).ConfigureAwait(false);
        if (fetched is FetchResult.Failed failed)
        {
            var refusal = failed.Reason switch
            {
                FetchFailure.NotHttps => ClientIdMetadataDocumentRefusal.InvalidUrl,
                FetchFailure.SpecialUseAddress => ClientIdMetadataDocumentRefusal.SpecialUseAddress,
                FetchFailure.TimedOut => ClientIdMetadataDocumentRefusal.TimedOut,
                FetchFailure.Redirected => ClientIdMetadataDocumentRefusal.Redirected,
                FetchFailure.UnexpectedStatus => ClientIdMetadataDocumentRefusal.UnexpectedStatus,
                FetchFailure.TooLarge => ClientIdMetadataDocumentRefusal.TooLarge,
                _ => ClientIdMetadataDocumentRefusal.Unreachable,
            };
            _metrics.RecordMetadataDocumentFetch(ClientIdMetadataDocumentOutcome.ReasonName(refusal));
            return ValidatedDocument.Refused(refusal);
        }

        var succeeded = (FetchResult.Succeeded)fetched;
        var validated = await ValidateAsync(succeeded.Body, clientId, services, cancellationToken).ConfigureAwait(false);
        if (validated.Refusal is { } validationRefusal)
        {
            _metrics.RecordMetadataDocumentFetch(ClientIdMetadataDocumentOutcome.ReasonName(validationRefusal));
            return validated;
        }

        return validated with { Lifetime = CacheLifetime(succeeded, _timeProvider.GetUtcNow(), documents) };
    }

    /// <summary>
    /// Behaviour 4 of the draft and of this product: the document names itself, holds no shared secret, defaults to a
    /// public client, and passes the validation and the anonymous-registration policies a registration would.
    /// </summary>
    private async Task<ValidatedDocument> ValidateAsync(byte[] body, string clientId, IServiceProvider services, CancellationToken cancellationToken)
    {
        ClientRegistrationRequest request;
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(body))
            {
                return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.NotJson);
            }

            using var json = JsonDocument.Parse(body, ClientMetadataJson.DocumentOptions);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.NotJson);
            }

            // Members that are not metadata this product knows are ignored, as RFC 7591 §2 says of registrations.
            var read = ClientMetadataJson.ReadRequest(json.RootElement);
            if (!read.Succeeded)
            {
                return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.InvalidMetadata, read.Error.Description);
            }

            request = read.Value;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.NotJson);
        }

        // Simple string comparison (draft §4.1): no normalization that an attacker's URL could exploit.
        if (!string.Equals(request.ClientId, clientId, StringComparison.Ordinal))
        {
            return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.ClientIdMismatch);
        }

        // A document is public: a secret in it is known to everyone.
        if (request.ClientSecret is not null || request.ServerIssuedMembers.Contains(ClientMetadataNames.ClientSecretExpiresAt))
        {
            return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.ForbiddenAuthMethod, request.ClientSecret is not null
                ? Errors.MetadataDocumentHasClientSecret()
                : Errors.MetadataDocumentHasSecretExpiry());
        }

        var method = request.Metadata.TokenEndpointAuthMethod ?? ClientMetadataValues.AuthMethodNone;
        if (method is ClientMetadataValues.AuthMethodClientSecretBasic or ClientMetadataValues.AuthMethodClientSecretPost or "client_secret_jwt")
        {
            return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.ForbiddenAuthMethod, Errors.MetadataDocumentSharedSecretMethod(method));
        }

        // The anonymous-registration limits, checked here first so that the refusal names the setting a document client
        // falls under; the policies below apply them again, with the host's own policies.
        var options = _options.CurrentValue;
        var limits = options.Anonymous;
        if (!limits.EffectiveTokenEndpointAuthMethods.Contains(method) || !options.EffectiveTokenEndpointAuthMethods.Contains(method))
        {
            return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.ForbiddenAuthMethod, Errors.MetadataDocumentAuthMethodNotAllowed(method));
        }

        if ((request.Metadata.GrantTypes ?? []).FirstOrDefault(grantType => !limits.EffectiveGrantTypes.Contains(grantType)) is { } grantType)
        {
            return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.InvalidMetadata, Errors.MetadataDocumentGrantTypeNotAllowed(grantType));
        }

        var scopes = AnonymousRegistrationPolicy.EffectiveScopes(options);
        if (request.Metadata.ScopeValues.FirstOrDefault(scope => !scopes.Contains(scope)) is { } scope)
        {
            return ValidatedDocument.Refused(ClientIdMetadataDocumentRefusal.InvalidMetadata, Errors.MetadataDocumentScopeNotAllowed(scope));
        }

        // A software statement vouches for a registration request; a document is vouched for by its URL's host.
        var metadata = request.Metadata with { TokenEndpointAuthMethod = method, SoftwareStatement = null };
        var normalized = _validator.Validate(metadata);
        if (!normalized.Succeeded)
        {
            return ValidatedDocument.Refused(RefusalOf(normalized.Error), normalized.Error.Description);
        }

        var policies = services.GetRequiredService<ClientRegistrationPolicyPipeline>();
        var allowed = await policies.ApplyAsync(
            new ClientRegistrationPolicyContext(normalized.Value, RegistrationCaller.Anonymous, ClientRegistrationOperation.Create, null),
            cancellationToken).ConfigureAwait(false);
        return allowed.Succeeded
            ? new ValidatedDocument(allowed.Value, null, null, TimeSpan.Zero)
            : ValidatedDocument.Refused(RefusalOf(allowed.Error), allowed.Error.Description);
    }

    private static ClientIdMetadataDocumentRefusal RefusalOf(RegistrationError error) =>
        error.Code == RegistrationErrorCodes.InvalidRedirectUri
            ? ClientIdMetadataDocumentRefusal.InvalidRedirectUri
            : ClientIdMetadataDocumentRefusal.InvalidMetadata;

    /// <summary>
    /// Why <paramref name="clientId"/> is not a document URL (draft §3: https, a path, no fragment, no user
    /// information, no dot segments; a root path is accepted, as in draft -02), or <see langword="null"/> with the URL to
    /// fetch.
    /// </summary>
    internal static string? CheckUrl(string clientId, out Uri uri)
    {
        uri = null!;
        if (!clientId.StartsWith("https://", StringComparison.Ordinal))
        {
            return Errors.MetadataDocumentUrlNotHttps();
        }

        if (clientId.Length > MaxUrlLength)
        {
            return Errors.MetadataDocumentUrlTooLong(MaxUrlLength);
        }

        if (clientId.Contains('#', StringComparison.Ordinal))
        {
            return Errors.MetadataDocumentUrlHasFragment();
        }

        if (clientId.Any(character => char.IsControl(character) || char.IsWhiteSpace(character) || character == '\\'))
        {
            return Errors.MetadataDocumentUrlHasSpacesOrBackslashes();
        }

        var authorityEnd = clientId.IndexOfAny(['/', '?'], "https://".Length);
        var authority = authorityEnd < 0 ? clientId["https://".Length..] : clientId["https://".Length..authorityEnd];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            return Errors.MetadataDocumentUrlHasUserInformation();
        }

        var pathEnd = clientId.IndexOf('?', StringComparison.Ordinal);
        var path = authorityEnd < 0 ? string.Empty : clientId[authorityEnd..(pathEnd < 0 ? clientId.Length : pathEnd)];

        // Checked on the text as sent, since parsing would remove them; encoded dots are dots to many servers.
        foreach (var segment in path.Split('/'))
        {
            var decoded = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
            if (decoded is "." or "..")
            {
                return Errors.MetadataDocumentUrlHasDotSegments();
            }
        }

        if (!Uri.TryCreate(clientId, UriKind.Absolute, out var parsed) || parsed.Scheme != Uri.UriSchemeHttps || string.IsNullOrEmpty(parsed.Host))
        {
            return Errors.MetadataDocumentUrlNotAbsolute();
        }

        uri = parsed;
        return null;
    }

    /// <summary>Whether the URL's host is listed (exactly, or under a <c>*.</c> wildcard); an empty list allows any host.</summary>
    internal static bool IsHostAllowed(Uri uri, IList<string> allowedHosts)
    {
        if (allowedHosts.Count == 0)
        {
            return true;
        }

        var host = uri.IdnHost.Trim('[', ']');
        foreach (var entry in allowedHosts)
        {
            var pattern = entry.Trim('[', ']');
            if (pattern.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
                : string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The HTTP freshness lifetime of a fetched document (RFC 9111 §4.2.1: <c>s-maxage</c>, else <c>max-age</c>, else
    /// <c>Expires</c> minus <c>Date</c>; less its <c>Age</c>), clamped to <c>[MinCacheDuration, MaxCacheDuration]</c>.
    /// <c>no-store</c>, <c>no-cache</c> and an answer without freshness information get the minimum.
    /// </summary>
    internal static TimeSpan CacheLifetime(FetchResult.Succeeded answer, DateTimeOffset now, ClientIdMetadataDocumentOptions options)
    {
        var cacheControl = answer.CacheControl;
        TimeSpan? lifetime = null;
        if (cacheControl is { NoStore: true } or { NoCache: true })
        {
            lifetime = TimeSpan.Zero;
        }
        else if ((cacheControl?.SharedMaxAge ?? cacheControl?.MaxAge) is { } maxAge)
        {
            lifetime = maxAge;
        }
        else if (answer.Expires is { } expires)
        {
            lifetime = expires == DateTimeOffset.MinValue ? TimeSpan.Zero : expires - (answer.Date ?? now);
        }

        var remaining = (lifetime ?? TimeSpan.Zero) - (answer.Age ?? TimeSpan.Zero);
        return remaining < options.MinCacheDuration ? options.MinCacheDuration
            : remaining > options.MaxCacheDuration ? options.MaxCacheDuration
            : remaining;
    }

    private ClientIdMetadataDocumentOutcome.Refused Refuse(Uri? uri, ClientIdMetadataDocumentRefusal reason, string? detail)
    {
        // Host and path only: a query may carry something the client did not mean to be logged. No document body.
        var name = ClientIdMetadataDocumentOutcome.ReasonName(reason);
        var host = uri is null ? "(not a URL)" : uri.Host;
        var path = uri is null ? string.Empty : uri.AbsolutePath;
        Log.MetadataDocumentRefused(_logger, host, path, name);
        _metrics.RecordMetadataDocumentRefusal(name);
        return new ClientIdMetadataDocumentOutcome.Refused(reason, Errors.MetadataDocumentRefused(reason, detail));
    }

    private sealed record ValidatedDocument(ClientMetadata? Metadata, ClientIdMetadataDocumentRefusal? Refusal, string? Detail, TimeSpan Lifetime)
    {
        public static ValidatedDocument Refused(ClientIdMetadataDocumentRefusal refusal, string? detail = null) => new(null, refusal, detail, TimeSpan.Zero);
    }
}

/// <summary>Why a Client ID Metadata Document client was refused.</summary>
public enum ClientIdMetadataDocumentRefusal
{
    /// <summary>The <c>client_id</c> looks like a URL but is not a valid document URL; nothing was fetched.</summary>
    InvalidUrl,

    /// <summary>The URL's host is not in <c>ClientIdMetadataDocuments:AllowedHosts</c>; nothing was fetched.</summary>
    HostNotAllowed,

    /// <summary>The host resolves only to special-use addresses (RFC 6890), which are not allowed.</summary>
    SpecialUseAddress,

    /// <summary>No connection, a TLS failure, or a broken connection.</summary>
    Unreachable,

    /// <summary>The document did not arrive within <c>ClientIdMetadataDocuments:FetchTimeout</c>.</summary>
    TimedOut,

    /// <summary>The answer was a redirect, which is not followed.</summary>
    Redirected,

    /// <summary>The answer's status was not 200.</summary>
    UnexpectedStatus,

    /// <summary>The document is larger than <c>ClientIdMetadataDocuments:MaxDocumentBytes</c>.</summary>
    TooLarge,

    /// <summary>The body is not a JSON object.</summary>
    NotJson,

    /// <summary>The document's <c>client_id</c> is not the URL it was fetched from.</summary>
    ClientIdMismatch,

    /// <summary>The document holds a client secret or asks for a shared-secret or otherwise disallowed authentication method.</summary>
    ForbiddenAuthMethod,

    /// <summary>A redirect URI of the document is not acceptable.</summary>
    InvalidRedirectUri,

    /// <summary>The document's metadata is not acceptable.</summary>
    InvalidMetadata,

    /// <summary>The client store could not be written.</summary>
    StoreUnavailable,
}

/// <summary>What <see cref="ClientIdMetadataDocuments.EnsureClientAsync(string, CancellationToken)"/> found: one of its nested types.</summary>
public abstract record ClientIdMetadataDocumentOutcome
{
    private ClientIdMetadataDocumentOutcome()
    {
    }

    /// <summary>Documents are off, or the client id is not a URL: the host looks the client up as usual.</summary>
    public sealed record NotApplicable : ClientIdMetadataDocumentOutcome
    {
        private NotApplicable()
        {
        }

        /// <summary>The one instance.</summary>
        public static NotApplicable Instance { get; } = new();
    }

    /// <summary>The store holds the client, as its fresh document describes it.</summary>
    public sealed record Ready : ClientIdMetadataDocumentOutcome
    {
        private Ready()
        {
        }

        /// <summary>The one instance.</summary>
        public static Ready Instance { get; } = new();
    }

    /// <summary>The client is refused.</summary>
    /// <param name="Reason">Why, as a fixed value for logs and metrics.</param>
    /// <param name="Description">Why, in words safe to show the client (the <c>error_description</c>).</param>
    public sealed record Refused(ClientIdMetadataDocumentRefusal Reason, string Description) : ClientIdMetadataDocumentOutcome;

    /// <summary>The stable name of a refusal reason, as metrics tag it and logs write it.</summary>
    public static string ReasonName(ClientIdMetadataDocumentRefusal reason) => reason switch
    {
        ClientIdMetadataDocumentRefusal.InvalidUrl => "invalid_url",
        ClientIdMetadataDocumentRefusal.HostNotAllowed => "host_not_allowed",
        ClientIdMetadataDocumentRefusal.SpecialUseAddress => "special_use_address",
        ClientIdMetadataDocumentRefusal.Unreachable => "unreachable",
        ClientIdMetadataDocumentRefusal.TimedOut => "timed_out",
        ClientIdMetadataDocumentRefusal.Redirected => "redirected",
        ClientIdMetadataDocumentRefusal.UnexpectedStatus => "unexpected_status",
        ClientIdMetadataDocumentRefusal.TooLarge => "too_large",
        ClientIdMetadataDocumentRefusal.NotJson => "not_json",
        ClientIdMetadataDocumentRefusal.ClientIdMismatch => "client_id_mismatch",
        ClientIdMetadataDocumentRefusal.ForbiddenAuthMethod => "forbidden_auth_method",
        ClientIdMetadataDocumentRefusal.InvalidRedirectUri => "invalid_redirect_uri",
        ClientIdMetadataDocumentRefusal.InvalidMetadata => "invalid_metadata",
        _ => "store_unavailable",
    };
}
