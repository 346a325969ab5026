using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.Endpoints;

/// <summary>
/// Writes error answers in the endpoints' own form, for host code that answers on their behalf (a rate limiter's
/// rejection, an authorization filter): <c>{"error":…,"error_description":…}</c> with <c>Cache-Control: no-store</c>.
/// </summary>
public static class RegistrationResponses
{
    /// <summary>Writes <paramref name="error"/> as the response, with its status code.</summary>
    public static Task WriteErrorAsync(HttpContext context, RegistrationError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        return ProtocolResponseWriter.WriteErrorAsync(context, error);
    }
}
