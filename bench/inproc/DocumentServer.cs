using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dcr.Bench.InProcess;

/// <summary>
/// An https server on 127.0.0.1 (a throwaway certificate) that serves one Client ID Metadata Document and counts the
/// requests it receives, so that the benchmark can show the measured flows never fetched it.
/// </summary>
internal sealed class DocumentServer : IAsyncDisposable
{
    public const string DocumentPath = "/bench/client-metadata.json";

    private readonly WebApplication _app;
    private int _requests;

    private DocumentServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The document's URL: the client_id of the CIMD client.</summary>
    public string ClientId { get; private set; } = string.Empty;

    /// <summary>The document's body, set before the first request.</summary>
    public string Document { get; set; } = "{}";

    /// <summary>How many requests the server received so far (any path).</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<DocumentServer> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var server = new DocumentServer(app, certificate);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.ClientId = new Uri(new Uri(address), DocumentPath).AbsoluteUri;
        return server;
    }

    /// <summary>Lets the product's outbound client trust this server's certificate, and only it.</summary>
    public void TrustIn(IServiceCollection services) =>
        services.AddHttpClient(NetworkOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler((handler, _) =>
            ((SocketsHttpHandler)handler).SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == Certificate.GetCertHashString());

    private Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (context.Request.Path != DocumentPath)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        // A day of freshness: the measured flows, minutes later, must find the document in the cache.
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "max-age=86400";
        return context.Response.WriteAsync(Document);
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        // Exported and reloaded, the private key is in a form TLS can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
