using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Validation;
using DeletedClientCheck = Dcr.IdentityServerExtensions.OpenIddict.RejectTokensOfDeletedClients;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// The OpenIddict adapter's opt-ins: each changes more of the host than client registration does, so
/// <c>UseOpenIddict()</c> leaves them to the host (<c>UseOpenIddict(openIddict =&gt; openIddict.RejectTokensOfDeletedClients()
/// .KeepTokensOutOfLogs())</c>).
/// </summary>
public sealed class OpenIddictDynamicClientRegistrationBuilder
{
    /// <summary>Creates the builder over the host's services.</summary>
    public OpenIddictDynamicClientRegistrationBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
    }

    /// <summary>The host's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Makes OpenIddict validation, for every API of the host that uses it and for initial access tokens, refuse any
    /// access token whose client no longer exists, with or without a database row: one indexed, uncached read of the
    /// client per validated token, so that a deleted client's tokens stop working at once on every instance. Without it,
    /// tokens that have a row stop working with <c>EnableTokenEntryValidation()</c> (deleting a client deletes its rows),
    /// and self-contained tokens without a row work until they expire. <c>SkipAccessTokenStorage()</c> adds it too.
    /// </summary>
    public OpenIddictDynamicClientRegistrationBuilder RejectTokensOfDeletedClients()
    {
        AddDeletedClientCheckToValidation(Services);
        return this;
    }

    /// <summary>
    /// Keeps OpenIddict's two dispatcher categories (<c>OpenIddict.Server.OpenIddictServerDispatcher</c>,
    /// <c>OpenIddict.Validation.OpenIddictValidationDispatcher</c>) at Debug or above, whatever level the host's logging
    /// rules give them: at Trace they write every token they create or validate, initial access tokens and access
    /// tokens included. A host at Information stays at Information.
    /// </summary>
    public OpenIddictDynamicClientRegistrationBuilder KeepTokensOutOfLogs()
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<LoggerFilterOptions>, TokenLoggingFilter>());
        return this;
    }

    internal static void AddDeletedClientCheckToValidation(IServiceCollection services)
    {
        services.TryAdd(DeletedClientCheck.Descriptor.ServiceDescriptor);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<OpenIddictValidationOptions>, ConfigureValidation>());
    }

    private sealed class ConfigureValidation : IConfigureOptions<OpenIddictValidationOptions>
    {
        public void Configure(OpenIddictValidationOptions options)
        {
            if (!options.Handlers.Contains(DeletedClientCheck.Descriptor))
            {
                options.Handlers.Add(DeletedClientCheck.Descriptor);
            }
        }
    }

    /// <summary>
    /// Adds, for each of OpenIddict's two dispatcher categories and each logging provider, a rule at the level the host's
    /// own rules give that category, raised to Debug if it was lower. Runs after the host's configuration, so a host
    /// at Information stays at Information and a host at Trace gets Debug there.
    /// </summary>
    private sealed class TokenLoggingFilter : IPostConfigureOptions<LoggerFilterOptions>
    {
        private static readonly string[] Categories =
        [
            "OpenIddict.Server.OpenIddictServerDispatcher",
            "OpenIddict.Validation.OpenIddictValidationDispatcher",
        ];

        public void PostConfigure(string? name, LoggerFilterOptions options)
        {
            var providers = options.Rules.Select(rule => rule.ProviderName).Where(provider => provider is not null).Distinct().ToList();
            foreach (var category in Categories)
            {
                var general = LevelFor(options.Rules, provider: null, category) ?? options.MinLevel;
                options.Rules.Add(new LoggerFilterRule(null, category, Raise(general), null));
                foreach (var provider in providers)
                {
                    options.Rules.Add(new LoggerFilterRule(provider, category, Raise(LevelFor(options.Rules, provider, category) ?? general), null));
                }
            }
        }

        // The most specific matching rule's level, as the logging framework would pick it for this provider alone.
        private static LogLevel? LevelFor(IEnumerable<LoggerFilterRule> rules, string? provider, string category) => rules
            .Where(rule => rule.ProviderName == provider && rule.Filter is null && rule.LogLevel is not null
                && (rule.CategoryName is null || category.StartsWith(rule.CategoryName, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(rule => rule.CategoryName?.Length ?? -1)
            .Select(rule => rule.LogLevel)
            .FirstOrDefault();

        private static LogLevel Raise(LogLevel level) => level < LogLevel.Debug ? LogLevel.Debug : level;
    }
}
