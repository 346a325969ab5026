using System.Net;
using Dcr.IdentityServerExtensions.Network;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Dcr.IdentityServerExtensions.Tests.Network;

public class SafeHttpFetcherTests
{
    private static readonly Uri KeySetUri = new("https://client.example.com/jwks.json");

    private static SafeHttpFetcher Fetcher(HttpMessageHandler handler, TimeProvider? time = null) => new(
        new SingleHandlerFactory(handler),
        new StaticOptionsMonitor(new DynamicClientRegistrationOptions()),
        time ?? new FakeTimeProvider(),
        NullLogger<SafeHttpFetcher>.Instance);

    [Fact]
    public async Task concurrent_fetches_of_one_url_share_one_request()
    {
        var handler = new GatedHandler();
        var fetcher = Fetcher(handler);

        var fetches = Enumerable.Range(0, 5).Select(_ => fetcher.FetchAsync(KeySetUri, 1024, CancellationToken.None)).ToList();
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        handler.Release.SetResult();
        var results = await Task.WhenAll(fetches);

        handler.Requests.Should().Be(1);
        results.Should().AllBeOfType<FetchResult.Succeeded>();
    }

    [Fact]
    public async Task a_failure_is_not_remembered()
    {
        var handler = new SequenceHandler(HttpStatusCode.InternalServerError, HttpStatusCode.OK);
        var fetcher = Fetcher(handler);

        (await fetcher.FetchAsync(KeySetUri, 1024, CancellationToken.None)).Should().Be(new FetchResult.Failed(FetchFailure.UnexpectedStatus));
        (await fetcher.FetchAsync(KeySetUri, 1024, CancellationToken.None)).Should().BeOfType<FetchResult.Succeeded>();
        handler.Requests.Should().Be(2);
    }

    [Theory]
    [InlineData("http://client.example.com/jwks.json")]
    [InlineData("https://user:password@client.example.com/jwks.json")]
    public async Task only_https_urls_without_credentials_are_fetched(string uri)
    {
        var handler = new SequenceHandler(HttpStatusCode.OK);

        (await Fetcher(handler).FetchAsync(new Uri(uri), 1024, CancellationToken.None)).Should().Be(new FetchResult.Failed(FetchFailure.NotHttps));
        handler.Requests.Should().Be(0);
    }

    [Fact]
    public async Task a_body_larger_than_the_cap_is_refused_and_one_at_the_cap_accepted()
    {
        var fetcher = Fetcher(new SequenceHandler(HttpStatusCode.OK, HttpStatusCode.OK) { Body = new string('x', 100) });

        (await fetcher.FetchAsync(KeySetUri, 99, CancellationToken.None)).Should().Be(new FetchResult.Failed(FetchFailure.TooLarge));
        (await fetcher.FetchAsync(KeySetUri, 100, CancellationToken.None)).Should().BeOfType<FetchResult.Succeeded>()
            .Which.Body.Should().HaveCount(100);
    }

    [Fact]
    public async Task a_redirect_is_a_failure()
    {
        var fetcher = Fetcher(new SequenceHandler(HttpStatusCode.Found));

        (await fetcher.FetchAsync(KeySetUri, 1024, CancellationToken.None)).Should().Be(new FetchResult.Failed(FetchFailure.Redirected));
    }

    [Fact]
    public async Task the_timeout_runs_on_the_products_clock()
    {
        var time = new FakeTimeProvider();
        var handler = new GatedHandler();
        var fetch = Fetcher(handler, time).FetchAsync(KeySetUri, 1024, CancellationToken.None);
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(9));
        fetch.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        (await fetch.WaitAsync(TimeSpan.FromSeconds(30))).Should().Be(new FetchResult.Failed(FetchFailure.TimedOut));
    }

    [Fact]
    public async Task a_callers_timeout_replaces_the_network_timeout()
    {
        var time = new FakeTimeProvider();
        var handler = new GatedHandler();
        var fetch = Fetcher(handler, time).FetchAsync(KeySetUri, 1024, TimeSpan.FromSeconds(5), CancellationToken.None);
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(4));
        fetch.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        (await fetch.WaitAsync(TimeSpan.FromSeconds(30))).Should().Be(new FetchResult.Failed(FetchFailure.TimedOut));
    }

    [Fact]
    public async Task a_successful_answer_carries_its_caching_headers()
    {
        var date = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        var fetcher = Fetcher(new HeaderHandler(response =>
        {
            response.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(10) };
            response.Headers.Date = date;
            response.Headers.Age = TimeSpan.FromSeconds(30);
            response.Content.Headers.Expires = date.AddHours(1);
        }));

        var answer = (await fetcher.FetchAsync(KeySetUri, 1024, CancellationToken.None)).Should().BeOfType<FetchResult.Succeeded>().Subject;

        answer.CacheControl!.MaxAge.Should().Be(TimeSpan.FromMinutes(10));
        answer.Date.Should().Be(date);
        answer.Age.Should().Be(TimeSpan.FromSeconds(30));
        answer.Expires.Should().Be(date.AddHours(1));
    }

    [Fact]
    public async Task an_expires_header_that_is_not_a_date_reads_as_already_expired()
    {
        var fetcher = Fetcher(new HeaderHandler(response => response.Content.Headers.TryAddWithoutValidation("Expires", "0")));

        var answer = (await fetcher.FetchAsync(KeySetUri, 1024, CancellationToken.None)).Should().BeOfType<FetchResult.Succeeded>().Subject;

        answer.Expires.Should().Be(DateTimeOffset.MinValue);
        answer.CacheControl.Should().BeNull();
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("localhost")]
    [InlineData("169.254.169.254")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task the_primary_handler_refuses_to_connect_to_special_use_addresses(string host)
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IOptionsMonitor<DynamicClientRegistrationOptions>>(new StaticOptionsMonitor(new DynamicClientRegistrationOptions()))
            .BuildServiceProvider();
        using var client = new HttpClient(SafeHttpFetcher.CreatePrimaryHandler(services));

        var request = () => client.GetAsync(new Uri($"https://{host}:9/jwks.json"));

        (await request.Should().ThrowAsync<HttpRequestException>()).Which.InnerException.Should().BeOfType<SpecialUseAddressException>();
    }

    [Fact]
    public void the_primary_handler_follows_no_redirect_and_uses_no_proxy()
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IOptionsMonitor<DynamicClientRegistrationOptions>>(new StaticOptionsMonitor(new DynamicClientRegistrationOptions()))
            .BuildServiceProvider();
        using var handler = SafeHttpFetcher.CreatePrimaryHandler(services);

        handler.AllowAutoRedirect.Should().BeFalse();
        handler.UseProxy.Should().BeFalse();
        handler.AutomaticDecompression.Should().Be(DecompressionMethods.None);
        handler.ConnectCallback.Should().NotBeNull();
    }

    private sealed class SingleHandlerFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private sealed class StaticOptionsMonitor(DynamicClientRegistrationOptions value) : IOptionsMonitor<DynamicClientRegistrationOptions>
    {
        public DynamicClientRegistrationOptions CurrentValue => value;

        public DynamicClientRegistrationOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<DynamicClientRegistrationOptions, string?> listener) => null;
    }

    private sealed class GatedHandler : HttpMessageHandler
    {
        private int _requests;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Requests => _requests;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            Started.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        }
    }

    private sealed class HeaderHandler(Action<HttpResponseMessage> headers) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
            headers(response);
            return Task.FromResult(response);
        }
    }

    private sealed class SequenceHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        public string Body { get; init; } = "{}";

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var status = statuses[Requests++];
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(Body) });
        }
    }
}
