using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostSample;

/// <summary>SAMPLE ONLY: the one test user that the sample's authorization endpoint signs in without asking.</summary>
internal static class SampleUser
{
    public const string Subject = "sample-user";
    public const string Name = "Sample User";

    public static IEnumerable<string> Destinations(Claim claim) => claim.Type switch
    {
        Claims.Name when claim.Subject?.HasScope(Scopes.Profile) == true => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        _ => [OpenIddictConstants.Destinations.AccessToken],
    };
}
