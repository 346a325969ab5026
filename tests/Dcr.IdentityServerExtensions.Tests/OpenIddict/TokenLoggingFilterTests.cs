using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dcr.IdentityServerExtensions.Tests.OpenIddict;

public sealed class TokenLoggingFilterTests
{
    private const string ServerDispatcher = "OpenIddict.Server.OpenIddictServerDispatcher";
    private const string ValidationDispatcher = "OpenIddict.Validation.OpenIddictValidationDispatcher";

    [Fact]
    public void a_host_logging_at_trace_gets_no_trace_from_the_dispatchers_that_write_tokens()
    {
        using var provider = Build(new() { ["Logging:LogLevel:Default"] = "Trace", ["Logging:Console:LogLevel:Default"] = "Trace" });
        var factory = provider.GetRequiredService<ILoggerFactory>();

        foreach (var category in new[] { ServerDispatcher, ValidationDispatcher })
        {
            factory.CreateLogger(category).IsEnabled(LogLevel.Trace).Should().BeFalse(category);
            factory.CreateLogger(category).IsEnabled(LogLevel.Debug).Should().BeTrue(category);
        }

        factory.CreateLogger("OpenIddict.Server.SomethingElse").IsEnabled(LogLevel.Trace).Should().BeTrue("other categories keep the host's level");
    }

    [Fact]
    public void a_host_logging_at_information_does_not_get_debug_from_the_dispatchers()
    {
        using var provider = Build(new() { ["Logging:LogLevel:Default"] = "Information" });
        var factory = provider.GetRequiredService<ILoggerFactory>();

        factory.CreateLogger(ServerDispatcher).IsEnabled(LogLevel.Debug).Should().BeFalse();
        factory.CreateLogger(ServerDispatcher).IsEnabled(LogLevel.Information).Should().BeTrue();
    }

    [Fact]
    public void a_host_that_silences_openiddict_stays_silent()
    {
        using var provider = Build(new() { ["Logging:LogLevel:Default"] = "Information", ["Logging:LogLevel:OpenIddict"] = "Error" });
        var factory = provider.GetRequiredService<ILoggerFactory>();

        factory.CreateLogger(ValidationDispatcher).IsEnabled(LogLevel.Warning).Should().BeFalse();
        factory.CreateLogger(ValidationDispatcher).IsEnabled(LogLevel.Error).Should().BeTrue();
    }

    [Fact]
    public void use_openiddict_alone_leaves_the_hosts_logging_rules_as_they_are()
    {
        using var provider = Build(new() { ["Logging:LogLevel:Default"] = "Trace" }, keepTokensOutOfLogs: false);

        provider.GetRequiredService<ILoggerFactory>().CreateLogger(ServerDispatcher).IsEnabled(LogLevel.Trace)
            .Should().BeTrue("the safeguard is an opt-in");
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, bool keepTokensOutOfLogs = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddConsole());
        services.AddDynamicClientRegistration().UseOpenIddict(openIddict =>
        {
            if (keepTokensOutOfLogs)
            {
                openIddict.KeepTokensOutOfLogs();
            }
        });
        return services.BuildServiceProvider();
    }
}
