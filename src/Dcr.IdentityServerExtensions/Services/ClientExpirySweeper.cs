using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Deletes unused clients (<c>Lifecycle:DeleteNeverUsedAfter</c>, <c>Lifecycle:DeleteUnusedAfter</c>) every
/// <c>Lifecycle:SweepInterval</c>, in bounded batches, as RFC 7592 delete does (the client, its tokens and
/// authorizations, its record), each deletion audited (<see cref="ClientRegistrationAction.Expire"/>) and counted
/// (<c>dcr.expirations</c>). A client holding a live refresh token is kept. Several instances may sweep at once: a
/// client another instance deleted first is simply passed over.
/// </summary>
internal sealed class ClientExpirySweeper : BackgroundService
{
    internal const int BatchSize = 100;

    private static readonly TimeSpan MaxStep = TimeSpan.FromDays(1);

    private readonly IServiceScopeFactory _scopes;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ClientExpirySweeper> _logger;

    public ClientExpirySweeper(IServiceScopeFactory scopes, IOptionsMonitor<DynamicClientRegistrationOptions> options, TimeProvider timeProvider,
        ILogger<ClientExpirySweeper> logger)
    {
        _scopes = scopes;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Whether either deletion is configured.</summary>
    internal static bool IsEnabled(ClientLifecycleOptions lifecycle) =>
        lifecycle.DeleteNeverUsedAfter is not null || lifecycle.DeleteUnusedAfter is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var lifecycle = _options.CurrentValue.Lifecycle;
            if (IsEnabled(lifecycle))
            {
                try
                {
                    await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.ExpirySweepFailed(_logger, exception);
                }
            }

            try
            {
                // In steps of at most a day: a timer cannot wait longer than about 49 days at once.
                var next = _timeProvider.GetUtcNow() + lifecycle.SweepInterval;
                for (var now = _timeProvider.GetUtcNow(); now < next; now = _timeProvider.GetUtcNow())
                {
                    var remaining = next - now;
                    await Task.Delay(remaining < MaxStep ? remaining : MaxStep, _timeProvider, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One sweep: deletes every client expired now, a batch at a time; returns how many it deleted.</summary>
    internal async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var lifecycle = _options.CurrentValue.Lifecycle;
        var now = _timeProvider.GetUtcNow();
        var neverUsedIssuedBefore = lifecycle.DeleteNeverUsedAfter is { } neverUsed ? now - neverUsed : (DateTimeOffset?)null;
        var inactiveBefore = lifecycle.DeleteUnusedAfter is { } unused ? now - unused : (DateTimeOffset?)null;
        if (neverUsedIssuedBefore is null && inactiveBefore is null)
        {
            return 0;
        }

        int deleted = 0, kept = 0;
        string? after = null;
        IReadOnlyList<string> batch;
        do
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                batch = await scope.ServiceProvider.GetRequiredService<IClientCatalog>()
                    .FindExpiredAsync(neverUsedIssuedBefore, inactiveBefore, after, BatchSize, cancellationToken).ConfigureAwait(false);
            }

            foreach (var clientId in batch)
            {
                switch (await ExpireAsync(clientId, now, neverUsedIssuedBefore, inactiveBefore, cancellationToken).ConfigureAwait(false))
                {
                    case true:
                        deleted++;
                        break;
                    case false:
                        kept++;
                        break;
                }
            }

            after = batch.Count > 0 ? batch[^1] : null;
        }
        while (batch.Count == BatchSize);

        if (deleted + kept > 0)
        {
            Log.ExpirySweepCompleted(_logger, deleted, kept);
        }

        return deleted;
    }

    // True: deleted; false: kept for its live refresh token; null: nothing to do (used meanwhile, or gone already).
    // The check and the deletion each in a scope of their own: no data context tracks a whole sweep's clients, and the
    // tokens read by the check are not tracked by the context that deletes them with their client.
    private async Task<bool?> ExpireAsync(string clientId, DateTimeOffset now, DateTimeOffset? neverUsedIssuedBefore, DateTimeOffset? inactiveBefore,
        CancellationToken cancellationToken)
    {
        var check = _scopes.CreateAsyncScope();
        await using (check.ConfigureAwait(false))
        {
            // Read again just before deleting: a client used since the batch was read stays.
            var record = await check.ServiceProvider.GetRequiredService<IClientCatalog>().FindAsync(clientId, cancellationToken).ConfigureAwait(false);
            if (record is null || !IsExpired(record, neverUsedIssuedBefore, inactiveBefore))
            {
                return null;
            }

            if (await check.ServiceProvider.GetRequiredService<IClientRegistrationStore>().HasLiveRefreshTokenAsync(clientId, now, cancellationToken)
                .ConfigureAwait(false))
            {
                return false;
            }
        }

        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var services = scope.ServiceProvider;
            var result = await services.GetRequiredService<ClientRegistry>().DeleteAsync(clientId, cancellationToken).ConfigureAwait(false);
            if (result.Status != StoreStatus.Succeeded)
            {
                // NotFound: another instance deleted it first. Conflict: it changed meanwhile; the next sweep decides.
                return result.Status == StoreStatus.Unavailable ? throw new ClientStoreUnavailableException() : null;
            }

            await services.GetRequiredService<ClientRegistrationAudit>()
                .SucceededAsync(ClientRegistrationAction.Expire, clientId, callerId: null, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    private static bool IsExpired(ClientRecord record, DateTimeOffset? neverUsedIssuedBefore, DateTimeOffset? inactiveBefore) =>
        (neverUsedIssuedBefore is { } issuedBefore && record.LastUsedAt is null && record.ClientIdIssuedAt < issuedBefore)
        || (inactiveBefore is { } before && (record.LastUsedAt ?? record.ClientIdIssuedAt) < before);
}
