using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>PingFederate's rotation, retention and delete options, proven at the token endpoint and the management endpoint.</summary>
public sealed class RotationTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task get_and_put_rotate_exactly_what_the_options_say(bool rotateSecret, bool rotateToken)
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Management:RotateClientSecret"] = rotateSecret.ToString(),
            ["DynamicClientRegistration:Management:RotateRegistrationAccessToken"] = rotateToken.ToString(),
        });
        using var client = host.CreateDcrClient();
        var current = await client.RegisterAsync(ServiceClient);
        var clientId = current.ClientId;

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put })
        {
            var previous = current;
            var body = method == HttpMethod.Put ? $$"""{"client_id":"{{clientId}}","grant_types":["client_credentials"],"scope":"api"}""" : null;

            var response = await client.ManageAsync(method, previous.RegistrationClientUri!, previous.RegistrationAccessToken, body);

            response.Status.Should().Be(HttpStatusCode.OK, response.Body);
            var answer = RegisteredClient.From(response.Json);

            // The secret: a new one is returned once if and only if rotation is on; the old one works only if not rotated.
            (answer.ClientSecret is not null).Should().Be(rotateSecret);
            var secretNow = answer.ClientSecret ?? previous.ClientSecret;
            if (rotateSecret)
            {
                answer.ClientSecret.Should().NotBe(previous.ClientSecret);
                (await client.ClientCredentialsAsync(clientId, previous.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
            }

            (await client.ClientCredentialsAsync(clientId, secretNow, "api")).ShouldSucceed();

            // The registration access token likewise, at the management endpoint.
            (answer.RegistrationAccessToken is not null).Should().Be(rotateToken);
            var tokenNow = answer.RegistrationAccessToken ?? previous.RegistrationAccessToken;
            if (rotateToken)
            {
                answer.RegistrationAccessToken.Should().NotBe(previous.RegistrationAccessToken);
                (await client.ManageAsync(HttpMethod.Get, previous.RegistrationClientUri!, previous.RegistrationAccessToken))
                    .ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
            }

            current = new RegisteredClient(clientId, secretNow, tokenNow, previous.RegistrationClientUri, response.Json);

            // The token still in force works (a GET without token rotation leaves it as it was).
            var check = await client.ManageAsync(HttpMethod.Get, current.RegistrationClientUri!, tokenNow);
            check.Status.Should().Be(HttpStatusCode.OK);
            var afterCheck = RegisteredClient.From(check.Json);
            current = current with
            {
                ClientSecret = afterCheck.ClientSecret ?? current.ClientSecret,
                RegistrationAccessToken = afterCheck.RegistrationAccessToken ?? current.RegistrationAccessToken,
            };
        }
    }

    [Fact]
    public async Task with_retention_the_previous_secret_works_until_the_period_has_passed_to_the_second()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Management:RetainClientSecret"] = "true",
            ["DynamicClientRegistration:Management:ClientSecretRetentionPeriod"] = "00:10:00",
        });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        var rotated = RegisteredClient.From((await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Json);

        rotated.ClientSecret.Should().NotBe(registered.ClientSecret);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        (await client.ClientCredentialsAsync(registered.ClientId, rotated.ClientSecret, "api")).ShouldSucceed();

        host.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        host.Time.Advance(TimeSpan.FromSeconds(1));
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        (await client.ClientCredentialsAsync(registered.ClientId, rotated.ClientSecret, "api")).ShouldSucceed();
    }

    [Fact]
    public async Task with_retention_only_the_one_previous_secret_is_kept()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Management:RetainClientSecret"] = "true",
            ["DynamicClientRegistration:Management:ClientSecretRetentionPeriod"] = "01:00:00",
        });
        using var client = host.CreateDcrClient();
        var first = await client.RegisterAsync(ServiceClient);
        var second = RegisteredClient.From((await client.ManageAsync(HttpMethod.Get, first.RegistrationClientUri!, first.RegistrationAccessToken)).Json);
        var third = RegisteredClient.From((await client.ManageAsync(HttpMethod.Get, first.RegistrationClientUri!, second.RegistrationAccessToken)).Json);

        (await client.ClientCredentialsAsync(first.ClientId, first.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        (await client.ClientCredentialsAsync(first.ClientId, second.ClientSecret, "api")).ShouldSucceed();
        (await client.ClientCredentialsAsync(first.ClientId, third.ClientSecret, "api")).ShouldSucceed();
    }

    [Fact]
    public async Task a_configured_secret_lifetime_sets_client_secret_expires_at_and_is_enforced_at_the_token_endpoint()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:ClientSecretLifetime"] = "1.00:00:00",
        });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        var expiresAt = registered.Json.GetProperty("client_secret_expires_at").GetInt64();
        expiresAt.Should().Be(registered.Json.GetProperty("client_id_issued_at").GetInt64() + 86_400);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        host.Time.Advance(DateTimeOffset.FromUnixTimeSeconds(expiresAt) - host.Time.GetUtcNow());
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    public async Task without_rotation_an_expired_secret_is_renewed_by_the_first_read_or_update_from_the_second_of_its_expiry(string method)
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:ClientSecretLifetime"] = "01:00:00",
            ["DynamicClientRegistration:Management:RotateClientSecret"] = "false",
            ["DynamicClientRegistration:Management:RotateRegistrationAccessToken"] = "false",
        });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(registered.Json.GetProperty("client_secret_expires_at").GetInt64());
        var body = method == "PUT" ? $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api"}""" : null;

        // One second before expiry the secret is still in force: no new one.
        host.Time.Advance(expiresAt - host.Time.GetUtcNow() - TimeSpan.FromSeconds(1));
        var before = await client.ManageAsync(new HttpMethod(method), registered.RegistrationClientUri!, registered.RegistrationAccessToken, body);
        before.Status.Should().Be(HttpStatusCode.OK, before.Body);
        before.Json.TryGetProperty("client_secret", out _).Should().BeFalse();
        before.Json.GetProperty("client_secret_expires_at").GetInt64().Should().Be(expiresAt.ToUnixTimeSeconds());

        // From the second of expiry, the next read or update issues a new secret with a new expiry.
        host.Time.Advance(TimeSpan.FromSeconds(1));
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        var renewed = await client.ManageAsync(new HttpMethod(method), registered.RegistrationClientUri!, registered.RegistrationAccessToken, body);

        renewed.Status.Should().Be(HttpStatusCode.OK, renewed.Body);
        var secret = renewed.Json.GetProperty("client_secret").GetString();
        secret.Should().NotBeNullOrEmpty().And.NotBe(registered.ClientSecret);
        renewed.Json.GetProperty("client_secret_expires_at").GetInt64().Should().Be((expiresAt + TimeSpan.FromHours(1)).ToUnixTimeSeconds());
        (await client.ClientCredentialsAsync(registered.ClientId, secret, "api")).ShouldSucceed();
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);

        // Renewed once: the next read returns no secret again.
        var next = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        next.Json.TryGetProperty("client_secret", out _).Should().BeFalse();
    }

    [Fact]
    public async Task with_client_delete_not_allowed_delete_answers_405_and_nothing_changes()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Management:AllowClientDelete"] = "false",
        });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        var response = await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, registered.RegistrationAccessToken);

        response.ShouldBeError(HttpStatusCode.MethodNotAllowed, "invalid_request", "DCR2604");
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        (await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task an_update_of_a_client_changed_by_another_request_since_it_was_read_is_a_conflict()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        await using var first = host.Services.CreateAsyncScope();
        await using var second = host.Services.CreateAsyncScope();
        var firstStore = first.ServiceProvider.GetRequiredService<IClientRegistrationStore>();
        var secondStore = second.ServiceProvider.GetRequiredService<IClientRegistrationStore>();
        var readByFirst = (await firstStore.FindAsync(registered.ClientId, default))!;
        var readBySecond = (await secondStore.FindAsync(registered.ClientId, default))!;

        var firstWrite = await firstStore.UpdateAsync(readByFirst with { CreatedBy = "first" }, default);
        var secondWrite = await secondStore.UpdateAsync(readBySecond with { CreatedBy = "second" }, default);

        firstWrite.Status.Should().Be(StoreStatus.Succeeded);
        secondWrite.Status.Should().Be(StoreStatus.Conflict);
        await using var third = host.Services.CreateAsyncScope();
        (await third.ServiceProvider.GetRequiredService<IClientRegistrationStore>().FindAsync(registered.ClientId, default))!
            .CreatedBy.Should().Be("first");
        (await secondStore.UpdateAsync(readBySecond with { Version = "stale" }, default)).Status.Should().Be(StoreStatus.Conflict);
    }
}
