using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.Endpoints;

/// <summary>
/// Reads the bearer token of a request (RFC 6750 §2.1): the one place where this product, its host adapters and a
/// host's own code (a rate limiter keyed per token) take it from the <c>Authorization</c> header, so that all of them
/// agree on which token a request carries.
/// </summary>
public static class BearerToken
{
    private const string Scheme = "Bearer";

    /// <summary>
    /// The token of the request's one <c>Authorization</c> header when its scheme is <c>Bearer</c>, in any letter case
    /// (RFC 9110 §11.1), without the whitespace around it; <see langword="null"/> when there is no such header, more
    /// than one, another scheme, or no token after the scheme.
    /// </summary>
    public static string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers.Authorization;
        if (headers.Count != 1 || headers[0] is not { } header)
        {
            return null;
        }

        var value = header.AsSpan().Trim();
        if (value.Length <= Scheme.Length || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || value[Scheme.Length] != ' ')
        {
            return null;
        }

        var token = value[Scheme.Length..].Trim();
        return token.IsEmpty ? null : token.ToString();
    }
}
