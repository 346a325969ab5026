using System.Security.Claims;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Who is calling the registration endpoint: the principal of a valid initial access token, or anonymous when the
/// server does not require one.
/// </summary>
/// <param name="Principal">
/// The initial access token's principal; <see langword="null"/> for anonymous callers. On update (PUT) it is the
/// registering caller rebuilt from the claims kept with the client (<see cref="RetainedClaimTypes"/>), so that a policy
/// keyed on those claims decides updates as it decided the registration.
/// </param>
/// <param name="CallerId">The token's client (<c>client_id</c>/<c>azp</c>) or else subject; <see langword="null"/> when anonymous.</param>
public sealed record RegistrationCaller(ClaimsPrincipal? Principal, string? CallerId)
{
    /// <summary>The authentication type of a principal rebuilt from a client's stored claims on update.</summary>
    public const string StoredCallerAuthenticationType = "dcr_registration_caller";

    // Bounds on what is kept: a token with thousands of scopes must not grow every stored registration.
    private const int MaxRetainedClaims = 32;
    private const int MaxRetainedClaimValueLength = 256;

    /// <summary>
    /// The initial access token's id (<see cref="InitialAccessTokenResult.TokenId"/>) on registration;
    /// <see langword="null"/> when anonymous and on update.
    /// </summary>
    public string? InitialAccessTokenId { get; init; }

    /// <summary>
    /// The longest caller id kept as it is (an indexable column on every engine); a longer one (a long subject, or what
    /// a custom <see cref="IInitialAccessTokenValidator"/> returns) is kept as <c>sha256:</c> and its hash
    /// (<see cref="BoundCallerId"/>).
    /// </summary>
    public const int MaxCallerIdLength = 400;

    /// <summary>An anonymous caller.</summary>
    public static RegistrationCaller Anonymous { get; } = new(null, null);

    /// <summary>
    /// The claim types of the initial access token kept with a client it registered, and given back to policies on
    /// update: who called (<c>client_id</c>, <c>azp</c>, <c>sub</c>) and with which scopes (<c>scope</c>, and
    /// <c>oi_scp</c>, as OpenIddict holds scopes in a principal). Never the token itself; at most 32 claims of at most
    /// 256 characters each.
    /// </summary>
    public static IReadOnlySet<string> RetainedClaimTypes { get; } =
        new HashSet<string>(["client_id", "azp", "sub", "scope", "oi_scp"], StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="callerId"/> as it is kept with the clients it registers: itself up to
    /// <see cref="MaxCallerIdLength"/> characters, else <c>sha256:</c> followed by its SHA-256, base64url, so that one
    /// caller is still one id (its quotas, the admin API's <c>created_by</c>) whatever its length.
    /// </summary>
    public static string? BoundCallerId(string? callerId) =>
        callerId is { Length: > MaxCallerIdLength } ? "sha256:" + InitialAccessTokenResult.HashToken(callerId) : callerId;

    /// <summary>The claims of <see cref="Principal"/> to keep with the client it registers.</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> RetainedClaims() =>
        Principal is null
            ? []
            : Principal.Claims
                .Where(claim => RetainedClaimTypes.Contains(claim.Type) && claim.Value.Length <= MaxRetainedClaimValueLength)
                .Select(claim => KeyValuePair.Create(claim.Type, claim.Value))
                .Distinct()
                .Take(MaxRetainedClaims)
                .ToList();

    /// <summary>
    /// The caller that registered <paramref name="client"/>, as policies see it on update: anonymous for a client
    /// registered anonymously, else a principal of the claims kept at registration (none for clients registered
    /// before claims were kept).
    /// </summary>
    internal static RegistrationCaller Registrant(StoredClient client) =>
        client.RegisteredAnonymously
            ? new RegistrationCaller(null, client.CreatedBy)
            : new RegistrationCaller(
                new ClaimsPrincipal(new ClaimsIdentity(
                    client.CallerClaims.Select(claim => new Claim(claim.Key, claim.Value)), StoredCallerAuthenticationType)),
                client.CreatedBy);
}
