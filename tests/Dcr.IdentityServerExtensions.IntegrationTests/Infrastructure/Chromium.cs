using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// One headless Chromium for the browser tests: Debian's <c>chromium</c> (installed by <c>.ci/run</c>), driven by
/// Playwright's own driver, which its NuGet package ships; nothing is downloaded. <c>DCR_TEST_CHROMIUM</c> names
/// another executable. Without one the tests fail and say how to install it: a browser test that skips itself proves
/// nothing.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private static readonly string[] KnownExecutables = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("DCR_TEST_CHROMIUM") is { Length: > 0 } configured
            ? configured
            : KnownExecutables.FirstOrDefault(File.Exists);
        if (executable is null || !File.Exists(executable))
        {
            throw new InvalidOperationException(
                "The browser tests need Debian's chromium: 'apt-get install -y chromium' (as .ci/run does), or set "
                + "DCR_TEST_CHROMIUM to a Chromium executable.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>The browser tests share one Chromium and run one at a time (the machine has two cores).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserTestGroup : ICollectionFixture<Chromium>
{
    public const string Name = "Browser";
}

/// <summary>
/// One test's browser context (its own cookies), on a page that records what the console says. Run the test's steps
/// through <see cref="RunAsync"/>: on failure it saves a screenshot and the page's HTML under
/// <c>TestResults/screenshots/</c> of the test output folder (<c>DCR_TEST_SCREENSHOTS</c> names another folder) and
/// names them in the failure.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    /// <summary>What a step may wait for: a page of this machine answers in far less.</summary>
    public const int StepTimeoutMilliseconds = 15_000;

    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _console = new();

    private BrowserSession(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) => _console.Enqueue($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => _console.Enqueue("pageerror: " + error);
        page.Dialog += (_, dialog) =>
        {
            // A dialog means script ran: none of these pages has any.
            _console.Enqueue("dialog: " + dialog.Message);
            _ = dialog.DismissAsync();
        };
    }

    public IPage Page { get; }

    public IAPIRequestContext Http => _context.APIRequest;

    /// <summary>Everything the console said, page errors and dialogs included.</summary>
    public IReadOnlyList<string> Console => [.. _console];

    /// <summary>Console lines that report a Content-Security-Policy violation.</summary>
    public IReadOnlyList<string> ContentSecurityPolicyViolations =>
        [.. _console.Where(line => line.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)
            || line.Contains("Refused to", StringComparison.Ordinal))];

    public static async Task<BrowserSession> StartAsync(Chromium chromium, Uri baseAddress)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.AbsoluteUri,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(StepTimeoutMilliseconds);
        context.SetDefaultNavigationTimeout(StepTimeoutMilliseconds);
        var page = await context.NewPageAsync();
        return new BrowserSession(context, page);
    }

    /// <summary>Runs the test's steps; on failure, keeps a screenshot and the HTML of the page as it was.</summary>
    public async Task RunAsync(string testName, Func<IPage, Task> steps)
    {
        try
        {
            await steps(Page);
        }
        catch (Exception exception)
        {
            var folder = Environment.GetEnvironmentVariable("DCR_TEST_SCREENSHOTS") is { Length: > 0 } configured
                ? configured
                : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            var stem = Path.Combine(folder, testName + "-" + Guid.NewGuid().ToString("N")[..8]);
            var saved = new List<string>();
            try
            {
                await Page.ScreenshotAsync(new PageScreenshotOptions { Path = stem + ".png", FullPage = true, Timeout = 10_000 });
                saved.Add(stem + ".png");
                await File.WriteAllTextAsync(stem + ".html", await Page.ContentAsync());
                saved.Add(stem + ".html");
            }
            catch (PlaywrightException)
            {
                // The browser itself failed: the test's own exception says more than a missing screenshot.
            }

            throw new BrowserTestFailedException(
                $"{exception.Message}\nPage: {Page.Url}\nSaved: {string.Join(", ", saved)}\nConsole:\n  {string.Join("\n  ", Console)}",
                exception);
        }
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}

/// <summary>A browser test's failure, with where its screenshot is.</summary>
public sealed class BrowserTestFailedException(string message, Exception inner) : Exception(message, inner);
