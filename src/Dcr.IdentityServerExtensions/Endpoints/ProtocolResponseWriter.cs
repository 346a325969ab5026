using System.Text.Json;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Dcr.IdentityServerExtensions.Endpoints;

/// <summary>Writes the JSON bodies of the registration and management endpoints.</summary>
internal static class ProtocolResponseWriter
{
    /// <summary>
    /// Marks a response as never cacheable: it may carry secrets (RFC 7591 §3.2.1, RFC 7592 §3), and errors are
    /// marked too so that no intermediary keeps any answer of these endpoints.
    /// </summary>
    public static void PreventCaching(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }

    // How long a client is asked to wait before it retries a 503 (RFC 9110 §10.2.3).
    private const string RetryAfterSeconds = "5";

    public static Task WriteErrorAsync(HttpContext context, RegistrationError error, string? requiredScope = null)
    {
        var response = context.Response;
        response.StatusCode = error.StatusCode;
        PreventCaching(response);

        // RFC 6750 §3: token failures say so in WWW-Authenticate as well as in the body.
        if (error.StatusCode is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)
        {
            var challenge = $"Bearer error=\"{error.Code}\", error_description=\"{error.Description.Replace("\"", "'", StringComparison.Ordinal)}\"";
            if (requiredScope is not null && error.Code == RegistrationErrorCodes.InsufficientScope)
            {
                challenge += $", scope=\"{requiredScope}\"";
            }

            response.Headers.WWWAuthenticate = challenge;
        }

        // Every 503 is a store that cannot be reached now, whether it failed with an exception or answered Unavailable.
        if (error.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = RetryAfterSeconds;
        }

        // A body refused for its size is left unread, and the server closes the connection rather than drain it: say so
        // (RFC 9112 §9.6), or an HTTP/1.1 client would send its next request down a connection that is about to close.
        if (error.StatusCode == StatusCodes.Status413PayloadTooLarge
            && (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)))
        {
            response.Headers.Connection = "close";
        }

        return WriteJsonAsync(response, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString(ClientMetadataNames.Error, error.Code);
            writer.WriteString(ClientMetadataNames.ErrorDescription, error.Description);
            writer.WriteEndObject();
        });
    }

    public static Task WriteClientInformationAsync(HttpContext context, ClientInformationResponse information, int statusCode)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        PreventCaching(response);
        return WriteJsonAsync(response, information.WriteTo);
    }

    private static async Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    public static bool IsJsonContentType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
        && mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (mediaType.Charset.Length == 0 || mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
