using Dcr.IdentityServerExtensions.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace HostSample;

/// <summary>
/// OpenTelemetry export of the product's meter and activity source (and ASP.NET Core's), off by default:
/// <c>Sample:Telemetry:Enabled=true</c> turns it on, exporting over OTLP to <c>Sample:Telemetry:OtlpEndpoint</c>
/// when one is configured and to the console otherwise.
/// </summary>
internal static class SampleTelemetry
{
    public static IServiceCollection AddSampleTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.GetValue("Sample:Telemetry:Enabled", false))
        {
            return services;
        }

        var otlpEndpoint = configuration["Sample:Telemetry:OtlpEndpoint"] is { Length: > 0 } endpoint ? new Uri(endpoint) : null;
        services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(DynamicClientRegistrationMetrics.MeterName).AddAspNetCoreInstrumentation();
                if (otlpEndpoint is not null)
                {
                    metrics.AddOtlpExporter(exporter => exporter.Endpoint = otlpEndpoint);
                }
                else
                {
                    metrics.AddConsoleExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(DynamicClientRegistrationMetrics.ActivitySourceName).AddAspNetCoreInstrumentation();
                if (otlpEndpoint is not null)
                {
                    tracing.AddOtlpExporter(exporter => exporter.Endpoint = otlpEndpoint);
                }
                else
                {
                    tracing.AddConsoleExporter();
                }
            });
        return services;
    }
}
