using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Once per database, at start-up: gives every client registered before the catalog existed its record, from what the
/// client store holds (its creator, source and issue time as stored), walking the store in batches. Idempotent: clients
/// that have a record are passed over, several instances may run it at once, and a marker counter
/// (<see cref="CounterKeys.Backfilled"/>) makes later starts skip it. A failure is logged, and the next start tries again.
/// </summary>
internal sealed class ClientCatalogBackfill : BackgroundService
{
    internal const int BatchSize = 200;

    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<ClientCatalogBackfill> _logger;

    public ClientCatalogBackfill(IServiceScopeFactory scopes, ILogger<ClientCatalogBackfill> logger)
    {
        _scopes = scopes;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            Log.CatalogBackfillFailed(_logger, exception);
        }
    }

    /// <summary>Completes the catalog unless that was done before; returns how many records it added.</summary>
    internal async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            if (await scope.ServiceProvider.GetRequiredService<IClientCatalog>().ReadCounterAsync(CounterKeys.Backfilled, cancellationToken)
                .ConfigureAwait(false) > 0)
            {
                return 0;
            }
        }

        int added = 0, failed = 0;
        string? after = null;
        do
        {
            var batchScope = _scopes.CreateAsyncScope();
            await using (batchScope.ConfigureAwait(false))
            {
                var services = batchScope.ServiceProvider;
                var catalog = services.GetRequiredService<IClientCatalog>();
                var batch = await services.GetRequiredService<IClientRegistrationStore>().ListAsync(after, BatchSize, cancellationToken)
                    .ConfigureAwait(false);
                foreach (var client in batch.Clients)
                {
                    try
                    {
                        if (await catalog.FindAsync(client.ClientId, cancellationToken).ConfigureAwait(false) is null)
                        {
                            await catalog.AddAsync(ClientRecord.From(client), cancellationToken).ConfigureAwait(false);
                            added++;
                        }
                    }
                    catch (Exception exception) when (StoreFailures.IsUnreachable(exception))
                    {
                        // Another instance completing the catalog at the same moment wrote this record first, or the
                        // database failed: either way this start does not set the marker, and the next one looks again.
                        failed++;
                    }
                }

                after = batch.Next;
            }
        }
        while (after is not null);

        if (failed > 0)
        {
            throw new ClientStoreUnavailableException($"{failed} clients could not be given their records.");
        }

        var marker = _scopes.CreateAsyncScope();
        await using (marker.ConfigureAwait(false))
        {
            await marker.ServiceProvider.GetRequiredService<IClientCatalog>().IncrementAsync(CounterKeys.Backfilled, cancellationToken).ConfigureAwait(false);
        }

        Log.CatalogBackfilled(_logger, added);
        return added;
    }
}
