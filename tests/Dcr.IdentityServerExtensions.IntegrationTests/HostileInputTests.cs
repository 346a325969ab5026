using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Xunit.Abstractions;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Generated hostile bodies against the real endpoint: every answer is a 201 or a 4xx with an RFC error body, never a
/// 5xx, and the client table gains exactly one row per 201. Bounded: a fixed number of bodies from a fixed seed.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int BodyCount = 2000;

    private static readonly string[] MemberNames =
    [
        "redirect_uris", "token_endpoint_auth_method", "grant_types", "response_types", "client_name", "client_uri",
        "logo_uri", "scope", "contacts", "tos_uri", "policy_uri", "jwks_uri", "jwks", "software_id", "software_version",
        "post_logout_redirect_uris", "application_type", "software_statement", "client_id", "client_secret",
        "registration_access_token", "client_id_issued_at", "default_max_age", "require_auth_time", "subject_type",
        "id_token_signed_response_alg", "token_endpoint_auth_signing_alg", "userinfo_signed_response_alg", "x", "",
    ];

    private static readonly string[] Strings =
    [
        "", "x", "client_credentials", "authorization_code", "refresh_token", "implicit", "password", "code", "token",
        "id_token", "code id_token", "none", "client_secret_basic", "client_secret_post", "private_key_jwt", "web", "native",
        "openid", "api", "openid api", "dcr", "a b  c", "ES256", "RS256", "public", "pairwise",
        "https://app.example.com/cb", "http://app.example.com/cb", "http://127.0.0.1:8080/cb", "http://[::1]/cb",
        "http://localhost/cb", "com.example.app:/cb", "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>",
        "file:///etc/passwd", "vbscript:x", "ftp://example.com/x", "ws://example.com/", "//example.com/cb", "/relative",
        "https://xn--e1afmkfd.xn--p1ai/cb", "https://пример.рф/cb", "https://%65xample.com/cb", "https://exa mple.com/cb",
        "https://example.com:99999/cb", "https://user:pw@example.com/cb", "https://example.com/cb#frag", "https://",
        "https://example.com/\u0000", "\u0001\u0002\u001f", "\u202Eevil", "\uFEFF", "😀", "\\\\server\\share",
        "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}", "%00", "\\ud800",
    ];

    private static readonly string[] Numbers =
    [
        "0", "-1", "1", "3600", "1e308", "1e400", "-1e400", "12345678901234567890123", "0.5", "-0.0", "1E-400",
        "9223372036854775807", "9223372036854775808",
    ];

    [Fact]
    public async Task thousands_of_generated_hostile_bodies_never_get_a_server_error_and_store_nothing_when_refused()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["Sample:RateLimit:PermitsPerMinute"] = "0" });
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        var before = await CountAsync(host);
        var bodies = Bodies().Sample(BodyCount, new Rnd(7_591UL), 30);
        var created = 0;
        var statuses = new Dictionary<int, int>();

        foreach (var body in bodies)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/register") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var response = await WireResponse.ReadAsync(await client.Http.SendAsync(request));
            statuses[(int)response.Status] = statuses.GetValueOrDefault((int)response.Status) + 1;

            var shown = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);
            ((int)response.Status).Should().BeLessThan(500, $"body: {shown}\nanswer: {response.Body}");
            if (response.Status == HttpStatusCode.Created)
            {
                created++;
                response.Json.GetProperty("client_id").GetString().Should().NotBeNullOrEmpty();
            }
            else
            {
                response.Status.Should().BeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge], shown);
                response.Json.GetProperty("error").GetString().Should().NotBeNullOrEmpty(shown);
                response.Json.GetProperty("error_description").ValueKind.Should().Be(JsonValueKind.String);
                response.CacheControl.Should().Be("no-store");
            }
        }

        output.WriteLine(string.Join(", ", statuses.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}: {pair.Value}")));
        (await CountAsync(host)).Should().Be(before + created, "only the accepted bodies became clients");
        statuses.GetValueOrDefault(400).Should().BeGreaterThan(BodyCount / 2, "most generated bodies are hostile");
    }

    private static Gen<byte[]> Bodies() => Gen.Frequency(
        (6, MetadataObject().Select(Utf8)),
        (1, Gen.Elements(Strings).Select(noise => Utf8(
            $$"""{"grant_types":["client_credentials"],"client_name":{{JsonString(noise)}},"{{noise.Length}}":{{JsonString(noise)}}}"""))),
        (1, Gen.Choose(100, 3000).Select(depth => Utf8(new string('[', depth) + new string(']', depth)))),
        (1, Gen.Choose(100, 3000).Select(depth => Utf8("{\"jwks\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth + 1)))),
        (1, Gen.Elements(MemberNames).SelectMany(name => JsonValue(2).Select(value => Utf8($"{{\"{name}\":{value},\"{name}\":{value}}}")))),
        (1, MetadataObject().SelectMany(json => Gen.Choose(0, Math.Max(0, json.Length - 1)).Select(cut => Utf8(json[..cut])))),
        (1, MetadataObject().SelectMany(json => Gen.Choose(0, json.Length).Select(at => InsertInvalidUtf8(Utf8(json), at)))),
        (1, JsonValue(3).Select(Utf8)),
        (1, Gen.ArrayOf(Gen.Choose(0, 255).Select(value => (byte)value)).Select(bytes => bytes)));

    private static Gen<string> MetadataObject() =>
        Gen.ListOf(Gen.Elements(MemberNames).SelectMany(name => JsonValue(2).Select(value => $"\"{name}\":{value}")))
            .Select(members => "{" + string.Join(",", members.DistinctBy(member => member[..member.IndexOf("\":", StringComparison.Ordinal)])) + "}");

    private static Gen<string> JsonValue(int depth)
    {
        var scalar = Gen.Frequency(
            (1, Gen.Constant("null")),
            (1, Gen.Elements("true", "false")),
            (2, Gen.Elements(Numbers)),
            (6, Gen.Elements(Strings).Select(JsonString)),
            (1, Gen.Choose(3000, 80_000).Select(length => JsonString(new string('a', length)))));
        if (depth == 0)
        {
            return scalar;
        }

        return Gen.Frequency(
            (6, scalar),
            (3, Gen.ListOf(JsonValue(depth - 1)).Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Choose(100, 600).Select(count => "[" + string.Join(",", Enumerable.Repeat("\"https://app.example.com/cb\"", count)) + "]")),
            (1, Gen.ListOf(Gen.Elements(MemberNames).SelectMany(name => JsonValue(depth - 1).Select(value => $"\"{name}\":{value}")))
                .Select(members => "{" + string.Join(",", members) + "}")));
    }

    // Escapes a string into JSON by hand so that "\\ud800" stays a lone-surrogate escape, as an attacker would send it.
    private static string JsonString(string value) => value == "\\ud800" ? "\"\\ud800\"" : JsonSerializer.Serialize(value);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] InsertInvalidUtf8(byte[] body, int at)
    {
        byte[] invalid = [0xC3, 0x28, 0xFF, 0xE2, 0x82];
        return [.. body[..at], .. invalid, .. body[at..]];
    }

    private static async Task<long> CountAsync(SampleHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CountAsync();
    }
}
