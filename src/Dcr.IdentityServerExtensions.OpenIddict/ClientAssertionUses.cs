using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// The record of client assertions already used, kept as OpenIddict token entries: one per assertion, whose reference
/// identifier is a hash of the client id and the assertion's <c>jti</c>, expiring with the assertion. The tokens
/// table's unique index on the reference identifier makes a second use fail atomically, on every instance over the
/// database; OpenIddict's token pruning removes the entries once expired, and deleting the client deletes its entries.
/// </summary>
internal sealed class ClientAssertionUses
{
    /// <summary>The token type of the entries, so that they are told apart from OpenIddict's own.</summary>
    public const string TokenType = "urn:dcr:params:oauth:token-type:client_assertion_use";

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the record.</summary>
    public ClientAssertionUses(IServiceScopeFactory scopes, TimeProvider timeProvider)
    {
        _scopes = scopes;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Records the use of the assertion <paramref name="jwtId"/> of <paramref name="clientId"/>; false when it had
    /// been recorded before, by this instance or another.
    /// </summary>
    public async ValueTask<bool> TryRecordAsync(
        string clientId, string? applicationId, string jwtId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(jwtId);
        var referenceId = ReferenceId(clientId, jwtId);

        // A scope of its own: a refused insert must not leave a pending entity in the request's unit of work.
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            if (await tokens.FindByReferenceIdAsync(referenceId, cancellationToken).ConfigureAwait(false) is not null)
            {
                return false;
            }

            var now = _timeProvider.GetUtcNow();
            try
            {
                await tokens.CreateAsync(new OpenIddictTokenDescriptor
                {
                    ApplicationId = applicationId,
                    CreationDate = now,
                    ExpirationDate = expiresAt,
                    ReferenceId = referenceId,

                    // Valid until it expires: OpenIddict's pruning removes valid entries only once expired, whatever
                    // threshold the host prunes with, while a used or revoked status would let it go sooner.
                    Status = Statuses.Valid,
                    Subject = clientId,
                    Type = TokenType,
                }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Two uses at once both found no entry; the unique index let one insert win. Whatever the store's
                // exception type for that, the entry now exists; if it does not, the failure was something else.
                if (await ExistsAsync(referenceId, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                throw;
            }
        }
    }

    private async ValueTask<bool> ExistsAsync(string referenceId, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            return await tokens.FindByReferenceIdAsync(referenceId, cancellationToken).ConfigureAwait(false) is not null;
        }
    }

    // Scoped by client (two clients may pick the same jti) and hashed, so that no assertion material is stored; the
    // length prefix keeps "a:bc" and "ab:c" apart.
    private static string ReferenceId(string clientId, string jwtId)
    {
        var input = Encoding.UTF8.GetBytes($"{clientId.Length}:{clientId}:{jwtId}");
        return "dcr-jti-" + Base64UrlEncoder.Encode(SHA256.HashData(input));
    }
}
