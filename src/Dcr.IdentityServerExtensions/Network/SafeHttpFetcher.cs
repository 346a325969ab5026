using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Network;

/// <summary>
/// The one way this product fetches a URL on a client's behalf (a <c>jwks_uri</c>; later Client ID Metadata
/// Documents): https only, no redirects, a byte cap read from the stream, a timeout, and special-use addresses refused
/// on the address actually connected to. Concurrent fetches of one URL share one request; a failure is returned to the
/// callers waiting for it and never remembered.
/// </summary>
internal sealed class SafeHttpFetcher
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SafeHttpFetcher> _logger;
    private readonly ConcurrentDictionary<(string Uri, int MaxBytes), Lazy<Task<FetchResult>>> _inFlight = new();

    public SafeHttpFetcher(
        IHttpClientFactory httpClientFactory, IOptionsMonitor<DynamicClientRegistrationOptions> options,
        TimeProvider timeProvider, ILogger<SafeHttpFetcher> logger)
    {
        _httpClientFactory = httpClientFactory;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Fetches <paramref name="uri"/> with GET and returns its body if the answer is 200 within
    /// <paramref name="maxBytes"/> bytes; every network or protocol failure is a <see cref="FetchResult.Failed"/>.
    /// Cancelling <paramref name="cancellationToken"/> stops this caller's wait, not a request others share.
    /// </summary>
    public Task<FetchResult> FetchAsync(Uri uri, int maxBytes, CancellationToken cancellationToken) =>
        FetchAsync(uri, maxBytes, timeout: null, cancellationToken);

    /// <summary>
    /// As <see cref="FetchAsync(Uri, int, CancellationToken)"/>, with a timeout of the caller's instead of
    /// <c>Network:Timeout</c>. Concurrent callers of one URL share the first caller's request and its timeout.
    /// </summary>
    public Task<FetchResult> FetchAsync(Uri uri, int maxBytes, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);

        if (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return Task.FromResult<FetchResult>(Fail(uri, FetchFailure.NotHttps));
        }

        var key = (uri.AbsoluteUri, maxBytes);
        var shared = _inFlight.GetOrAdd(key, _ => new Lazy<Task<FetchResult>>(() => FetchOnceAsync(uri, maxBytes, timeout)));
        var task = shared.Value;
        if (task.IsCompleted)
        {
            _inFlight.TryRemove(KeyValuePair.Create(key, shared));
        }
        else
        {
            task.ContinueWith(
                (_, state) => _inFlight.TryRemove((KeyValuePair<(string, int), Lazy<Task<FetchResult>>>)state!),
                KeyValuePair.Create(key, shared), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task<FetchResult> FetchOnceAsync(Uri uri, int maxBytes, TimeSpan? timeLimit)
    {
        // The product's clock measures the timeout, so that tests can move past it instead of waiting.
        using var timeout = new CancellationTokenSource(timeLimit ?? _options.CurrentValue.Network.Timeout, _timeProvider);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var client = _httpClientFactory.CreateClient(NetworkOptions.HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);

            if ((int)response.StatusCode is >= 300 and < 400)
            {
                return Fail(uri, FetchFailure.Redirected);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return Fail(uri, FetchFailure.UnexpectedStatus);
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                return Fail(uri, FetchFailure.TooLarge);
            }

            var body = await ReadCappedAsync(response.Content, maxBytes, timeout.Token).ConfigureAwait(false);
            return body is null
                ? Fail(uri, FetchFailure.TooLarge)
                : new FetchResult.Succeeded(body, response.Content.Headers.ContentType?.MediaType)
                {
                    CacheControl = response.Headers.CacheControl,
                    Expires = ReadExpires(response.Content.Headers),
                    Date = response.Headers.Date,
                    Age = response.Headers.Age,
                };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Fail(uri, FetchFailure.TimedOut);
        }
        catch (HttpRequestException exception) when (exception.InnerException is SpecialUseAddressException)
        {
            return Fail(uri, FetchFailure.SpecialUseAddress);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or SocketException)
        {
            return Fail(uri, FetchFailure.Unreachable);
        }
    }

    // RFC 9111 §5.3: an Expires value that is not a valid date means "already expired".
    private static DateTimeOffset? ReadExpires(HttpContentHeaders headers) =>
        headers.Expires ?? (headers.TryGetValues("Expires", out _) ? DateTimeOffset.MinValue : null);

    // Counts bytes as they arrive instead of trusting Content-Length, which a chunked answer does not send.
    private static async Task<byte[]?> ReadCappedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[Math.Min(maxBytes + 1, 16 * 1024)];
            using var body = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    return null;
                }

                body.Write(buffer, 0, read);
            }

            return body.ToArray();
        }
    }

    private FetchResult.Failed Fail(Uri uri, FetchFailure reason)
    {
        // Host and path only: a query may carry something the client did not mean to be logged.
        if (uri.IsAbsoluteUri)
        {
            Log.OutboundRequestFailed(_logger, uri.Host, uri.AbsolutePath, reason);
        }

        return new FetchResult.Failed(reason);
    }

    /// <summary>
    /// The primary handler of the outbound <see cref="HttpClient"/>: no redirects, no cookies, no proxy (the address
    /// check must see the target, not a proxy), no decompression (the byte cap counts what is on the wire), and a
    /// connect step that connects only to addresses the check let through.
    /// </summary>
    internal static SocketsHttpHandler CreatePrimaryHandler(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>();
        var logger = services.GetRequiredService<ILogger<SafeHttpFetcher>>();
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, cancellationToken) =>
                ConnectAsync(context.DnsEndPoint, options.CurrentValue.Network.AllowSpecialUseAddresses, logger, cancellationToken),
        };
    }

    // Resolves, filters and connects to an address that passed the filter: a second resolution by the socket could
    // answer differently (DNS rebinding), so the socket is given the checked address, never the name.
    private static async ValueTask<Stream> ConnectAsync(
        DnsEndPoint endPoint, bool allowSpecialUse, ILogger logger, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken).ConfigureAwait(false);
        var permitted = allowSpecialUse ? addresses : [.. addresses.Where(address => !SpecialUseAddresses.IsSpecialUse(address))];
        if (permitted.Length == 0)
        {
            Log.SpecialUseAddressRefused(logger, endPoint.Host, string.Join(", ", addresses.Select(address => address.ToString())));
            throw new SpecialUseAddressException($"'{endPoint.Host}' resolves to no address outside the special-use blocks of RFC 6890.");
        }

        SocketException? last = null;
        foreach (var address in permitted)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}

/// <summary>What <see cref="SafeHttpFetcher.FetchAsync(Uri, int, CancellationToken)"/> returned: the body, or why there is none.</summary>
internal abstract record FetchResult
{
    private FetchResult()
    {
    }

    /// <summary>A 200 answer within the byte cap, with the headers that say how long it may be reused.</summary>
    public sealed record Succeeded(byte[] Body, string? MediaType) : FetchResult
    {
        /// <summary>The answer's <c>Cache-Control</c> header, if any.</summary>
        public CacheControlHeaderValue? CacheControl { get; init; }

        /// <summary>The answer's <c>Expires</c> header; <see cref="DateTimeOffset.MinValue"/> when it is not a valid date.</summary>
        public DateTimeOffset? Expires { get; init; }

        /// <summary>The answer's <c>Date</c> header, if any.</summary>
        public DateTimeOffset? Date { get; init; }

        /// <summary>The answer's <c>Age</c> header, if any.</summary>
        public TimeSpan? Age { get; init; }
    }

    /// <summary>No usable answer.</summary>
    public sealed record Failed(FetchFailure Reason) : FetchResult;
}

/// <summary>Why a fetch gave no body.</summary>
internal enum FetchFailure
{
    /// <summary>The URL is not an absolute https URL without user information.</summary>
    NotHttps,

    /// <summary>The host resolves only to special-use addresses, which are not allowed.</summary>
    SpecialUseAddress,

    /// <summary>No connection, a TLS failure, or the connection broke.</summary>
    Unreachable,

    /// <summary>The answer did not complete within the timeout.</summary>
    TimedOut,

    /// <summary>The answer was a redirect, which is not followed.</summary>
    Redirected,

    /// <summary>The answer's status was not 200.</summary>
    UnexpectedStatus,

    /// <summary>The body is larger than the cap.</summary>
    TooLarge,
}

/// <summary>Thrown by the connect step when every address of a host is special-use; the fetcher turns it into a result.</summary>
internal sealed class SpecialUseAddressException : IOException
{
    public SpecialUseAddressException()
    {
    }

    public SpecialUseAddressException(string message)
        : base(message)
    {
    }

    public SpecialUseAddressException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
