using System.Data.Common;
using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// A management request reads its client once: authentication loads it, and rotation writes that same entity back
/// (its concurrency token still guarding against a concurrent change) without loading or parsing it again.
/// </summary>
public sealed class LoadCountTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task a_management_request_with_rotation_selects_its_client_from_the_database_once(string method)
    {
        var selects = new ApplicationSelects();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(selects));
        selects.Observe(host);
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var body = method == "PUT" ? $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api"}""" : null;

        selects.Reset();
        var response = await client.ManageAsync(new HttpMethod(method), registered.RegistrationClientUri!, registered.RegistrationAccessToken, body);

        response.Status.Should().Be(method == "DELETE" ? HttpStatusCode.NoContent : HttpStatusCode.OK, response.Body);
        // One look at the row's version, and the row itself once (this process had not seen that version of it yet).
        selects.Commands.Should().HaveCount(2, "the client is loaded once per request; the commands were:\n{0}", string.Join("\n", selects.Commands));
        selects.Commands.Count(command => command.Contains("\"ClientSecret\"", StringComparison.Ordinal)).Should().Be(1);
    }
}

/// <summary>
/// The same promise at the store seam, counted on the application manager: a read followed by a rotation's write
/// loads the client once and reads its registration document once.
/// </summary>
public sealed class StoreLoadCountTests
{
    [Fact]
    public async Task a_find_then_an_update_loads_the_application_once_and_reads_its_document_once()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api"}""");
        await using var scope = host.Services.CreateAsyncScope();
        var manager = CountingManager.Over(scope.ServiceProvider.GetRequiredService<global::OpenIddict.Abstractions.IOpenIddictApplicationManager>());
        var store = new Dcr.IdentityServerExtensions.OpenIddict.OpenIddictClientRegistrationStore(
            manager, scope.ServiceProvider.GetRequiredService<global::OpenIddict.Abstractions.IOpenIddictTokenManager>(),
            scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Dcr.IdentityServerExtensions.OpenIddict.OpenIddictClientRegistrationStore>>());

        var found = await store.FindAsync(registered.ClientId, default);
        var updated = await store.UpdateAsync(found! with { CreatedBy = "someone else" }, default);

        updated.Status.Should().Be(Dcr.IdentityServerExtensions.Stores.StoreStatus.Succeeded);
        updated.Client!.Version.Should().NotBe(found!.Version);
        var calls = ((CountingManager)(object)manager).Calls;
        calls.GetValueOrDefault("FindByClientIdAsync").Should().Be(1, "the update writes back the application the find loaded");
        calls.GetValueOrDefault("GetPropertiesAsync").Should().Be(1, "the registration document is read once, by the find");

        // The concurrency check still holds: a stale version is refused without a write.
        (await store.UpdateAsync(found with { Version = "stale" }, default)).Status.Should().Be(Dcr.IdentityServerExtensions.Stores.StoreStatus.Conflict);
    }

    public interface ICountedManager : global::OpenIddict.Abstractions.IOpenIddictApplicationManager, Dcr.IdentityServerExtensions.OpenIddict.IDynamicClientApplicationManager;

    /// <summary>Counts calls by method name and forwards them to the host's manager.</summary>
    public class CountingManager : System.Reflection.DispatchProxy
    {
        private object _inner = null!;

        public Dictionary<string, int> Calls { get; } = [];

        public static ICountedManager Over(object inner)
        {
            var proxy = Create<ICountedManager, CountingManager>();
            ((CountingManager)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            var name = targetMethod!.Name[(targetMethod.Name.LastIndexOf('.') + 1)..];
            Calls[name] = Calls.GetValueOrDefault(name) + 1;
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (System.Reflection.TargetInvocationException exception) when (exception.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception.InnerException);
                throw;
            }
        }
    }
}
