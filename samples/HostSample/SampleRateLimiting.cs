using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Dcr.IdentityServerExtensions.Endpoints;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.AspNetCore.RateLimiting;

namespace HostSample;

/// <summary>
/// Rate limiting of the registration and management endpoints with ASP.NET Core's rate limiter: per client IP (the
/// "dcr" policy, attached to the route group) and per bearer token (initial or registration access token, a global
/// limiter that only counts requests to the registration path). <c>Sample:RateLimit:PermitsPerMinute</c>, default 600;
/// 0 turns both off, as load tests and benchmarks do.
/// </summary>
internal static class SampleRateLimiting
{
    public const string PolicyName = "dcr";

    public static int PermitsPerMinute(IConfiguration configuration) => configuration.GetValue("Sample:RateLimit:PermitsPerMinute", 600);

    public static IServiceCollection AddSampleRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var permits = PermitsPerMinute(configuration);
        var registrationPath = configuration[$"{DynamicClientRegistrationOptions.SectionName}:RegistrationPath"]
            ?? DynamicClientRegistrationOptions.DefaultRegistrationPath;

        return services.AddRateLimiter(options =>
        {
            options.AddPolicy(PolicyName, context => permits <= 0
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetFixedWindowLimiter(
                    "ip:" + (context.Connection.RemoteIpAddress ?? IPAddress.None),
                    _ => Window(permits)));

            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var token = permits > 0 && context.Request.Path.StartsWithSegments(registrationPath, StringComparison.OrdinalIgnoreCase)
                    ? BearerToken.Read(context.Request)
                    : null;
                if (token is null)
                {
                    return RateLimitPartition.GetNoLimiter(string.Empty);
                }

                // Keyed by the token as the endpoints read it, so "bearer t" and "Bearer  t" share one bucket, and by
                // its hash, so the limiter's memory holds no usable token.
                var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
                return RateLimitPartition.GetFixedWindowLimiter("token:" + key, _ => Window(permits));
            });

            options.OnRejected = async (rejected, cancellationToken) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 60;
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await RegistrationResponses.WriteErrorAsync(rejected.HttpContext, new RegistrationError(
                    RegistrationErrorCodes.TemporarilyUnavailable,
                    $"Too many registration requests; retry after {seconds} seconds.",
                    StatusCodes.Status429TooManyRequests));
            };
        });
    }

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
