using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Web;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// The client side's wire: every request an HTTP client sends and what came back. Bodies are read for requests to
/// <paramref name="readBodiesOf"/> only (the authorization server's form posts and JSON); MCP's own streams are left alone.
/// </summary>
public sealed class RecordingHandler(Uri readBodiesOf) : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
{
    private readonly ConcurrentQueue<RecordedExchange> _exchanges = new();

    public IReadOnlyList<RecordedExchange> Exchanges => [.. _exchanges];

    /// <summary>The token endpoint requests of one grant type, as form fields.</summary>
    public IReadOnlyList<RecordedExchange> TokenRequests(string grantType) =>
        [.. Exchanges.Where(exchange => exchange.Form?["grant_type"] == grantType)];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var readBody = request.RequestUri!.GetLeftPart(UriPartial.Authority) == readBodiesOf.GetLeftPart(UriPartial.Authority);
        var requestBody = readBody && request.Content is not null ? await request.Content.ReadAsStringAsync(cancellationToken) : null;
        var response = await base.SendAsync(request, cancellationToken);
        string? responseBody = null;
        if (readBody)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
        }

        _exchanges.Enqueue(new RecordedExchange(request.Method, request.RequestUri, request.Headers.Authorization,
            request.Content?.Headers.ContentType?.MediaType, requestBody, response.StatusCode, response.Headers.WwwAuthenticate.ToString(),
            response.Headers.Location, responseBody));
        return response;
    }
}

/// <summary>One request and its response.</summary>
public sealed record RecordedExchange(HttpMethod Method, Uri Uri, AuthenticationHeaderValue? Authorization, string? ContentType,
    string? RequestBody, HttpStatusCode Status, string WwwAuthenticate, Uri? Location, string? ResponseBody)
{
    /// <summary>The request's form fields, for an application/x-www-form-urlencoded body.</summary>
    public System.Collections.Specialized.NameValueCollection? Form =>
        ContentType == "application/x-www-form-urlencoded" && RequestBody is not null ? HttpUtility.ParseQueryString(RequestBody) : null;

    public System.Collections.Specialized.NameValueCollection Query => HttpUtility.ParseQueryString(Uri.Query);
}
