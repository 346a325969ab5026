using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// <c>MaxRequestBodySize</c> holds however the body is framed, over a real Kestrel socket (which enforces the limit the
/// endpoint sets while the body streams in, counting a chunked body's framing as well) and over the in-memory test
/// server (which enforces none: the endpoint measures what it parsed).
/// </summary>
public sealed class RequestBodySizeTests
{
    private const int Limit = 2048;

    private static DcrTestClient Client(SampleHost host) =>
        new(host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = host.ClientOptions.BaseAddress, AllowAutoRedirect = false }));

    private static SampleHost Host(bool kestrel)
    {
        var settings = new Dictionary<string, string?> { ["DynamicClientRegistration:MaxRequestBodySize"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (!kestrel)
        {
            return new SampleHost(settings);
        }

        // Any free port, as the command line gives it (see McpServerHost.Start for why not UseKestrel(0)).
        settings["urls"] = "http://127.0.0.1:0";
        var host = new SampleHost(settings);
        host.UseKestrel();
        host.StartServer();
        return host;
    }

    private static string Body(int clientNameLength) =>
        $$"""{"grant_types":["client_credentials"],"scope":"api","client_name":"{{new string('n', clientNameLength)}}"}""";

    private static async Task<WireResponse> PostAsync(DcrTestClient client, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, DcrTestClient.RegistrationPath) { Content = content };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await client.InitialAccessTokenAsync());
        return await WireResponse.ReadAsync(await client.Http.SendAsync(request));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_chunked_body_over_the_limit_is_refused_with_413_and_one_within_it_registers(bool kestrel)
    {
        using var host = Host(kestrel);
        using var client = Client(host);

        var refused = await PostAsync(client, new ChunkedContent(Body(3 * Limit)));

        refused.ShouldBeError(HttpStatusCode.RequestEntityTooLarge, "invalid_request", "DCR2001");
        refused.Headers.ConnectionClose.Should().BeTrue();
        refused.Json.GetProperty("error_description").GetString().Should().Be($"The request body exceeds {Limit} bytes. (DCR2001)");
        (await PostAsync(client, new ChunkedContent(Body(Limit / 2)))).Status.Should().Be(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_declared_length_over_the_limit_is_refused_with_413_and_the_limit_itself_is_accepted(bool kestrel)
    {
        using var host = Host(kestrel);
        using var client = Client(host);
        var atTheLimit = Body(0);
        atTheLimit = Body(Limit - Encoding.UTF8.GetByteCount(atTheLimit));

        var refused = await PostAsync(client, new StringContent(Body(3 * Limit)));

        refused.ShouldBeError(HttpStatusCode.RequestEntityTooLarge, "invalid_request", "DCR2001");
        // The unread body ends the connection; the response says so, so the client's next request takes a new one.
        refused.Headers.ConnectionClose.Should().BeTrue();
        Encoding.UTF8.GetByteCount(atTheLimit).Should().Be(Limit);
        (await PostAsync(client, new StringContent(atTheLimit))).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task over_kestrel_the_server_refuses_the_excess_of_a_chunked_body_while_it_streams_in()
    {
        using var host = Host(kestrel: true);
        using var client = Client(host);
        var padded = """{"grant_types":["client_credentials"],"scope":"api"}""" + new string(' ', 3 * Limit);

        // The JSON alone is small: only the server's own count of the body, set by the endpoint, can refuse it.
        var response = await PostAsync(client, new ChunkedContent(padded));

        response.ShouldBeError(HttpStatusCode.RequestEntityTooLarge, "invalid_request", "DCR2001");
    }

    /// <summary>A body of unknown length, sent in pieces: HTTP/1.1 chunked over a socket.</summary>
    private sealed class ChunkedContent(string text) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var piece in Encoding.UTF8.GetBytes(text).Chunk(512))
            {
                await stream.WriteAsync(piece);
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
