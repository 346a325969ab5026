using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace HostSample;

/// <summary>
/// OpenIddict's server dispatcher with the handlers of each event looked up once instead of on every dispatch. OpenIddict's
/// own dispatcher walks the whole list of registered handlers (several hundred, for every endpoint) for each event it
/// raises, a dozen events per request, comparing each handler's event type: a tenth of a token request's CPU in a
/// profile (bench/README.md). This one keeps, per event type, the handlers of that type in OpenIddict's order, and then
/// does exactly what OpenIddict's does: each handler's filters decide per request whether it runs, handlers are
/// resolved from the request's services, and the dispatch stops once a handler has handled, skipped or rejected the
/// request.
/// </summary>
/// <remarks>
/// A handler or filter that the host's container gives every scope alike (a singleton: the same instance from the
/// request's services and from a scope of its own, compared on first use) is kept with the event's handlers and not
/// resolved again; a scoped or transient one is resolved from each request's services, as OpenIddict does.
/// </remarks>
internal sealed partial class IndexedServerDispatcher(
    ILogger<OpenIddictServerDispatcher> logger, IOptionsMonitor<OpenIddictServerOptions> options, IServiceProvider provider,
    IServiceScopeFactory scopes)
    : IOpenIddictServerDispatcher
{
    public async ValueTask DispatchAsync<TContext>(TContext context) where TContext : BaseContext
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var entry in HandlersOf<TContext>.In(options.CurrentValue))
        {
            var descriptor = entry.Descriptor;
            if (!await IsActiveAsync(entry, context).ConfigureAwait(false))
            {
                continue;
            }

            var handler = descriptor.ServiceDescriptor.ImplementationInstance as IOpenIddictServerHandler<TContext>
                ?? Resolve(descriptor.ServiceDescriptor.ServiceType, entry.Handler) as IOpenIddictServerHandler<TContext>
                ?? throw new InvalidOperationException(OpenIddictResources.FormatID0098(descriptor.ServiceDescriptor.ServiceType));

            try
            {
                await handler.HandleAsync(context).ConfigureAwait(false);
            }
            catch (Exception exception) when (logger.IsEnabled(LogLevel.Debug) && exception is not OutOfMemoryException)
            {
                HandlerThrew(logger, exception, handler.GetType().FullName, typeof(TContext).FullName);
                throw;
            }

            if (logger.IsEnabled(LogLevel.Debug))
            {
                HandlerRan(logger, typeof(TContext).FullName, handler.GetType().FullName);
            }

            var stopped = context switch
            {
                BaseRequestContext { IsRequestHandled: true } => "handled",
                BaseRequestContext { IsRequestSkipped: true } => "skipped",
                BaseValidatingContext { IsRejected: true } => "rejected",
                _ => null,
            };
            if (stopped is not null)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    DispatchStopped(logger, typeof(TContext).FullName, handler.GetType().FullName, stopped);
                }

                return;
            }
        }
    }

    // OpenIddict's dispatcher logs the same at Debug, under its own category (the logger is of its type).
    [LoggerMessage(6132, LogLevel.Debug, "The handler {Handler} threw while processing {Event}.")]
    private static partial void HandlerThrew(ILogger logger, Exception exception, string? handler, string? @event);

    [LoggerMessage(6133, LogLevel.Debug, "The event {Event} was processed by {Handler}.")]
    private static partial void HandlerRan(ILogger logger, string? @event, string? handler);

    [LoggerMessage(6134, LogLevel.Debug, "The event {Event} was {Outcome} by {Handler}; no other handler runs.")]
    private static partial void DispatchStopped(ILogger logger, string? @event, string? handler, string outcome);

    private async ValueTask<bool> IsActiveAsync<TContext>(Entry entry, TContext context) where TContext : BaseContext
    {
        var types = entry.Descriptor.FilterTypes;
        for (var index = 0; index < types.Length; index++)
        {
            var filter = Resolve(types[index], entry.Filters[index]) as IOpenIddictServerHandlerFilter<TContext>
                ?? throw new InvalidOperationException(OpenIddictResources.FormatID0099(types[index]));
            if (!await filter.IsActiveAsync(context).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    // The request's instance of a handler or filter; the kept one once it is known to be the container's singleton.
    private object? Resolve(Type type, Resolution resolution)
    {
        if (resolution.Shared is { } shared)
        {
            return shared;
        }

        var instance = provider.GetService(type);
        if (instance is not null && !resolution.Probed)
        {
            using var probe = scopes.CreateScope();
            if (ReferenceEquals(instance, probe.ServiceProvider.GetService(type)))
            {
                resolution.Shared = instance;
            }

            resolution.Probed = true;
        }

        return instance;
    }

    /// <summary>What is known of how the container gives out one handler or filter type.</summary>
    private sealed class Resolution
    {
        // Racing requests may both probe: they find the same answer.
        public volatile object? Shared;
        public volatile bool Probed;
    }

    /// <summary>One handler of an event, with what is known of its instances and its filters'.</summary>
    private sealed class Entry(OpenIddictServerHandlerDescriptor descriptor)
    {
        public OpenIddictServerHandlerDescriptor Descriptor { get; } = descriptor;

        public Resolution Handler { get; } = new();

        public Resolution[] Filters { get; } = [.. descriptor.FilterTypes.Select(static _ => new Resolution())];
    }

    /// <summary>The handlers of one event type, in OpenIddict's order, for the options instance they were taken from.</summary>
    private static class HandlersOf<TContext> where TContext : BaseContext
    {
        private static Snapshot? _snapshot;

        public static Entry[] In(OpenIddictServerOptions options)
        {
            // Options rebuilt (a configuration reload, another host in the process) or their list changed: take the
            // handlers again, and forget the instances kept, which belong to the container of those options.
            var snapshot = _snapshot;
            if (snapshot is null || !ReferenceEquals(snapshot.Options, options) || snapshot.Count != options.Handlers.Count)
            {
                snapshot = new Snapshot(options, options.Handlers.Count,
                    [.. options.Handlers.Where(static descriptor => descriptor.ContextType == typeof(TContext)).Select(static descriptor => new Entry(descriptor))]);
                _snapshot = snapshot;
            }

            return snapshot.Handlers;
        }

        private sealed record Snapshot(OpenIddictServerOptions Options, int Count, Entry[] Handlers);
    }
}
